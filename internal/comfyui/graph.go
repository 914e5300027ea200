package comfyui

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// graph is a copy of a workflow being filled for one job. Nodes the bot
// does not set keep their JSON as given.
type graph struct {
	nodes map[string]json.RawMessage
}

func newGraph(nodes map[string]json.RawMessage) *graph {
	g := &graph{nodes: make(map[string]json.RawMessage, len(nodes)+2)}
	for id, n := range nodes {
		g.nodes[id] = n
	}
	return g
}

// set replaces inputs of node id; its other inputs and fields (_meta)
// stay.
func (g *graph) set(id string, values map[string]any) error {
	var node map[string]json.RawMessage
	if err := json.Unmarshal(g.nodes[id], &node); err != nil {
		return fmt.Errorf("comfyui: fill node %s: %w", id, err)
	}
	var inputs map[string]json.RawMessage
	if err := json.Unmarshal(node["inputs"], &inputs); err != nil {
		return fmt.Errorf("comfyui: fill node %s: %w", id, err)
	}
	if inputs == nil {
		inputs = map[string]json.RawMessage{}
	}
	for k, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("comfyui: fill node %s: %w", id, err)
		}
		inputs[k] = b
	}
	b, err := json.Marshal(inputs)
	if err != nil {
		return fmt.Errorf("comfyui: fill node %s: %w", id, err)
	}
	node["inputs"] = b
	g.nodes[id], err = json.Marshal(node)
	return err
}

// add inserts a node of class with inputs under the next free number and
// returns its id.
func (g *graph) add(class, title string, inputs map[string]any) (string, error) {
	next := 1
	for id := range g.nodes {
		if n, err := strconv.Atoi(id); err == nil && n >= next {
			next = n + 1
		}
	}
	id := strconv.Itoa(next)
	b, err := json.Marshal(map[string]any{"class_type": class, "inputs": inputs, "_meta": map[string]string{"title": title}})
	if err != nil {
		return "", err
	}
	g.nodes[id] = b
	return id, nil
}

// link is the JSON of a link to output index of node id.
func link(id string, index int) []any { return []any{id, index} }

// drop removes nodes.
func (g *graph) drop(ids []string) {
	for _, id := range ids {
		delete(g.nodes, id)
	}
}

func (g *graph) marshal() (json.RawMessage, error) { return json.Marshal(g.nodes) }

// rawLink is the link input of node id names, as sent (nil when it is not
// a link).
func rawLink(nodes map[string]rawNode, id, input string) []any {
	from, ok := parseLink(nodes[id].Inputs[input])
	if !ok {
		return nil
	}
	var l []any
	_ = json.Unmarshal(nodes[id].Inputs[input], &l)
	if len(l) != 2 {
		return link(from, 0)
	}
	return l
}

// ancestors returns every node id's inputs link to, directly or further
// up (id itself not included unless a cycle leads back to it).
func ancestors(nodes map[string]rawNode, id string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(id string) {
		for _, raw := range nodes[id].Inputs {
			if from, ok := parseLink(raw); ok && !seen[from] {
				seen[from] = true
				visit(from)
			}
		}
	}
	visit(id)
	return seen
}

// upstream is id with its ancestors.
func upstream(nodes map[string]rawNode, id string) map[string]bool {
	up := ancestors(nodes, id)
	up[id] = true
	return up
}
