package sdsim

import "fmt"

// Flavor selects which per-task progress mechanism the server offers.
type Flavor int

const (
	// FlavorSeed is the seed document's server: txt2img accepts "task_id" and
	// GET /sdapi/v1/progress?task_id=X answers for task X and echoes
	// state.task_id.
	FlavorSeed Flavor = iota
	// FlavorA1111 is stock A1111 >= 1.8: txt2img accepts "force_task_id" and
	// POST /internal/progress answers per task; there is no state.task_id.
	FlavorA1111
	// FlavorGlobal is SD.Next or A1111 with --nowebui: only the global
	// GET /sdapi/v1/progress exists and /internal/progress answers 404.
	FlavorGlobal
)

// String returns the flavor's name as accepted by ParseFlavor.
func (f Flavor) String() string {
	switch f {
	case FlavorSeed:
		return "seed"
	case FlavorA1111:
		return "a1111"
	case FlavorGlobal:
		return "global"
	}
	return fmt.Sprintf("Flavor(%d)", int(f))
}

// ParseFlavor returns the flavor named s ("seed", "a1111" or "global").
func ParseFlavor(s string) (Flavor, error) {
	for _, f := range []Flavor{FlavorSeed, FlavorA1111, FlavorGlobal} {
		if s == f.String() {
			return f, nil
		}
	}
	return 0, fmt.Errorf("sdsim: unknown flavor %q (want seed, a1111 or global)", s)
}
