package comfysim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// node is one node of a submitted graph, its inputs decoded with
// json.Number for numbers.
type node struct {
	ID     string
	Class  string
	Inputs map[string]any
	spec   *nodeSpec
}

// link is an input wired to another node's output.
type link struct {
	From  string
	Index int
}

// apiError is the "error" object of a 400 from POST /prompt, and one entry
// of a node's "errors".
type apiError struct {
	Type      string         `json:"type"`
	Message   string         `json:"message"`
	Details   string         `json:"details"`
	ExtraInfo map[string]any `json:"extra_info"`
}

// nodeErrors is one entry of "node_errors".
type nodeErrors struct {
	Errors           []apiError `json:"errors"`
	DependentOutputs []string   `json:"dependent_outputs"`
	ClassType        string     `json:"class_type"`
}

// rejection is a graph POST /prompt refuses with 400.
type rejection struct {
	Error      apiError              `json:"error"`
	NodeErrors map[string]nodeErrors `json:"node_errors"`
}

// parseGraph decodes the "prompt" of POST /prompt. A graph that is not an
// object of nodes with known classes is refused like ComfyUI refuses it.
func parseGraph(raw json.RawMessage) (map[string]*node, *rejection) {
	var nodes map[string]json.RawMessage
	if err := json.Unmarshal(raw, &nodes); err != nil || nodes == nil {
		return nil, invalidPrompt("The prompt must be an object of nodes.", "")
	}
	ids := make([]string, 0, len(nodes))
	for id := range nodes {
		ids = append(ids, id)
	}
	sortIDs(ids)
	out := make(map[string]*node, len(nodes))
	for _, id := range ids {
		var n struct {
			ClassType *string        `json:"class_type"`
			Inputs    map[string]any `json:"inputs"`
		}
		dec := json.NewDecoder(bytes.NewReader(nodes[id]))
		dec.UseNumber()
		if err := dec.Decode(&n); err != nil || n.ClassType == nil {
			return nil, invalidPrompt("Cannot execute because a node is missing the class_type property.", fmt.Sprintf("Node ID '#%s'", id))
		}
		spec, ok := nodeSpecs[*n.ClassType]
		if !ok {
			return nil, invalidPrompt(fmt.Sprintf("Cannot execute because node %s does not exist.", *n.ClassType), fmt.Sprintf("Node ID '#%s'", id))
		}
		if n.Inputs == nil {
			n.Inputs = map[string]any{}
		}
		out[id] = &node{ID: id, Class: *n.ClassType, Inputs: n.Inputs, spec: spec}
	}
	return out, nil
}

func invalidPrompt(msg, details string) *rejection {
	return &rejection{Error: apiError{Type: "invalid_prompt", Message: msg, Details: details, ExtraInfo: map[string]any{}}, NodeErrors: map[string]nodeErrors{}}
}

// sortIDs orders node ids numerically where they are numbers.
func sortIDs(ids []string) {
	sort.Slice(ids, func(i, j int) bool {
		a, errA := strconv.Atoi(ids[i])
		b, errB := strconv.Atoi(ids[j])
		if errA == nil && errB == nil {
			return a < b
		}
		return ids[i] < ids[j]
	})
}

// validate checks every node reachable from an output node, as ComfyUI's
// validate_prompt does, and returns the output nodes to run.
func (s *Sim) validate(nodes map[string]*node) ([]string, *rejection) {
	var outputs []string
	for id, n := range nodes {
		if n.spec.outputNode {
			outputs = append(outputs, id)
		}
	}
	sortIDs(outputs)
	if len(outputs) == 0 {
		return nil, &rejection{Error: apiError{Type: "prompt_no_outputs", Message: "Prompt has no outputs", ExtraInfo: map[string]any{}}, NodeErrors: map[string]nodeErrors{}}
	}
	errs := map[string][]apiError{}
	dependents := map[string][]string{}
	seen := map[string]bool{}
	var visit func(id, output string)
	visit = func(id, output string) {
		if !slices.Contains(dependents[id], output) {
			dependents[id] = append(dependents[id], output)
		}
		if seen[id] {
			return
		}
		seen[id] = true
		n := nodes[id]
		for _, in := range n.spec.required {
			v, ok := n.Inputs[in.name]
			if !ok {
				errs[id] = append(errs[id], apiError{Type: "required_input_missing", Message: "Required input is missing", Details: in.name, ExtraInfo: map[string]any{"input_name": in.name}})
				continue
			}
			if e := s.checkInput(nodes, in, v); e != nil {
				errs[id] = append(errs[id], *e)
			}
			if l, ok := asLink(v); ok {
				if _, exists := nodes[l.From]; exists {
					visit(l.From, output)
				}
			}
		}
		for _, in := range n.spec.optional {
			if v, ok := n.Inputs[in.name]; ok {
				if e := s.checkInput(nodes, in, v); e != nil {
					errs[id] = append(errs[id], *e)
				}
			}
		}
	}
	for _, id := range outputs {
		visit(id, id)
	}
	if len(errs) == 0 {
		return outputs, nil
	}
	rej := &rejection{
		Error:      apiError{Type: "prompt_outputs_failed_validation", Message: "Prompt outputs failed validation", ExtraInfo: map[string]any{}},
		NodeErrors: map[string]nodeErrors{},
	}
	for id, e := range errs {
		rej.NodeErrors[id] = nodeErrors{Errors: e, DependentOutputs: dependents[id], ClassType: nodes[id].Class}
	}
	return nil, rej
}

// asLink reports whether v is a link [node_id, output_index].
func asLink(v any) (link, bool) {
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		return link{}, false
	}
	from, ok := arr[0].(string)
	num, ok2 := arr[1].(json.Number)
	if !ok || !ok2 {
		return link{}, false
	}
	idx, err := strconv.Atoi(num.String())
	if err != nil {
		return link{}, false
	}
	return link{From: from, Index: idx}, true
}

// checkInput checks one given input: a link of the right type, or a value
// of the input's type within its range or list.
func (s *Sim) checkInput(nodes map[string]*node, in inputSpec, v any) *apiError {
	extra := map[string]any{"input_name": in.name}
	if arr, isArr := v.([]any); isArr {
		l, ok := asLink(v)
		if !ok {
			return &apiError{Type: "bad_linked_input", Message: "Bad linked input, must be a length-2 list of [string, int]", Details: in.name, ExtraInfo: extra}
		}
		_ = arr
		from, ok := nodes[l.From]
		if !ok {
			return &apiError{Type: "bad_linked_input", Message: "Linked node does not exist", Details: fmt.Sprintf("%s: node '%s'", in.name, l.From), ExtraInfo: extra}
		}
		if l.Index < 0 || l.Index >= len(from.spec.outputs) {
			return &apiError{Type: "bad_linked_input", Message: "Linked output does not exist", Details: fmt.Sprintf("%s: output %d of node '%s' (%s)", in.name, l.Index, l.From, from.Class), ExtraInfo: extra}
		}
		if got := from.spec.outputs[l.Index]; got != in.typ {
			return &apiError{Type: "return_type_mismatch", Message: "Return type mismatch between linked nodes", Details: fmt.Sprintf("%s, received_type(%s) mismatch input_type(%s)", in.name, got, in.typ), ExtraInfo: extra}
		}
		return nil
	}
	if linkTypes[in.typ] {
		return &apiError{Type: "bad_linked_input", Message: "Bad linked input, must be a length-2 list of [string, int]", Details: in.name, ExtraInfo: extra}
	}
	switch in.typ {
	case "STRING":
		if _, ok := v.(string); !ok {
			return convertErr(in, v)
		}
	case "COMBO":
		if in.upload {
			return s.validateImage(in, v)
		}
		str, ok := v.(string)
		list := in.options(s)
		if !ok || !slices.Contains(list, str) {
			return &apiError{Type: "value_not_in_list", Message: "Value not in list", Details: fmt.Sprintf("%s: '%v' not in %s", in.name, v, pyList(list)), ExtraInfo: extra}
		}
	case "INT", "FLOAT":
		num, ok := v.(json.Number)
		if !ok {
			return convertErr(in, v)
		}
		f, err := strconv.ParseFloat(num.String(), 64)
		if err != nil || (in.typ == "INT" && (f != math.Trunc(f) || strings.ContainsAny(num.String(), ".eE"))) {
			return convertErr(in, v)
		}
		if f < in.min {
			return &apiError{Type: "value_smaller_than_min", Message: fmt.Sprintf("Value %v smaller than min of %v", num, in.min), Details: in.name, ExtraInfo: extra}
		}
		if f > in.max {
			return &apiError{Type: "value_bigger_than_max", Message: fmt.Sprintf("Value %v bigger than max of %v", num, in.max), Details: in.name, ExtraInfo: extra}
		}
	}
	return nil
}

func convertErr(in inputSpec, v any) *apiError {
	return &apiError{Type: "invalid_input_type", Message: "Failed to convert an input value to a " + in.typ + " value", Details: fmt.Sprintf("%s, %v", in.name, v), ExtraInfo: map[string]any{"input_name": in.name}}
}

func pyList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}
