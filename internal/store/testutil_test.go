package store

import "github.com/imaginebot/imaginebot/internal/imagine"

func prefsWithSteps(n int) imagine.Prefs { return imagine.Prefs{Steps: n} }
