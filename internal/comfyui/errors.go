package comfyui

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// ExecutionError is an execution_error ComfyUI reported for a prompt.
type ExecutionError struct {
	PromptID      string
	NodeID        string
	NodeType      string
	ExceptionType string
	Message       string
}

func (e *ExecutionError) Error() string {
	return fmt.Sprintf("comfyui: prompt %s failed in %s (node %s): %s: %s", e.PromptID, e.NodeType, e.NodeID, e.ExceptionType, e.Message)
}

// IsOutOfMemory reports whether the GPU ran out of memory.
func (e *ExecutionError) IsOutOfMemory() bool {
	return strings.Contains(e.ExceptionType, "OutOfMemory") || strings.Contains(strings.ToLower(e.Message), "out of memory")
}

// reason is the sentence users read: the node and the exception's first
// line.
func (e *ExecutionError) reason() string {
	msg, _, _ := strings.Cut(strings.TrimSpace(e.Message), "\n")
	typ := e.ExceptionType
	if i := strings.LastIndex(typ, "."); i >= 0 {
		typ = typ[i+1:]
	}
	return shorten(fmt.Sprintf("%s (node %s) failed: %s: %s", e.NodeType, e.NodeID, typ, msg), 300)
}

// classify wraps an execution error in the core's kind.
func (e *ExecutionError) classify() error {
	if e.IsOutOfMemory() {
		return fmt.Errorf("%w: %w", imagine.ErrOutOfMemory, e)
	}
	return &imagine.RejectedError{Reason: e.reason(), Err: fmt.Errorf("%w: %w", imagine.ErrBackend, e)}
}

// PromptError is a graph POST /prompt refused with 400: the error and
// each node's errors.
type PromptError struct {
	Type, Message, Details string
	Nodes                  []NodeError
}

// NodeError is one node's validation errors.
type NodeError struct {
	ID, Class string
	Errors    []InputError
}

// InputError is one validation error of a node.
type InputError struct {
	Type, Message, Details, Input string
}

func (e *PromptError) Error() string { return "comfyui: POST /prompt refused the graph: " + e.Reason() }

// Reason names each node and input ComfyUI refused, for users.
func (e *PromptError) Reason() string {
	if len(e.Nodes) == 0 {
		return shorten(strings.TrimSuffix(joinNonEmpty(": ", e.Message, e.Details), "."), 300)
	}
	var parts []string
	for _, n := range e.Nodes {
		for _, ie := range n.Errors {
			detail := ie.Details
			if ie.Input != "" && !strings.HasPrefix(detail, ie.Input) {
				detail = joinNonEmpty(": ", ie.Input, detail)
			}
			parts = append(parts, fmt.Sprintf("%s (node %s) %s", n.Class, n.ID, joinNonEmpty(": ", ie.Message, shorten(detail, 160))))
		}
	}
	return shorten(strings.Join(parts, "; "), 400)
}

// parsePromptError reads the body of a 400 from POST /prompt.
func parsePromptError(body []byte) (*PromptError, bool) {
	var raw struct {
		Error json.RawMessage `json:"error"`
		Nodes map[string]struct {
			Errors []struct {
				Type      string `json:"type"`
				Message   string `json:"message"`
				Details   string `json:"details"`
				ExtraInfo struct {
					InputName string `json:"input_name"`
				} `json:"extra_info"`
			} `json:"errors"`
			ClassType string `json:"class_type"`
		} `json:"node_errors"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Error) == 0 {
		// node_errors may be a list ([]) in some answers; try once more
		// without it.
		var alt struct {
			Error json.RawMessage `json:"error"`
		}
		if json.Unmarshal(body, &alt) != nil || len(alt.Error) == 0 {
			return nil, false
		}
		raw.Error = alt.Error
	}
	pe := &PromptError{}
	var obj struct{ Type, Message, Details string }
	if json.Unmarshal(raw.Error, &obj) == nil {
		pe.Type, pe.Message, pe.Details = obj.Type, obj.Message, obj.Details
	} else {
		_ = json.Unmarshal(raw.Error, &pe.Message) // older servers send a string
	}
	for _, id := range sortedIDs(raw.Nodes) {
		n := raw.Nodes[id]
		ne := NodeError{ID: id, Class: n.ClassType}
		for _, e := range n.Errors {
			ne.Errors = append(ne.Errors, InputError{Type: e.Type, Message: e.Message, Details: e.Details, Input: e.ExtraInfo.InputName})
		}
		pe.Nodes = append(pe.Nodes, ne)
	}
	return pe, true
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// NoImageError is a finished prompt whose history has no usable image.
type NoImageError struct {
	PromptID string
	Reason   string
}

func (e *NoImageError) Error() string {
	return fmt.Sprintf("comfyui: prompt %s finished without a usable image: %s", e.PromptID, e.Reason)
}

// Is matches imagine.ErrNoImage.
func (e *NoImageError) Is(target error) bool { return target == imagine.ErrNoImage }

var errGenTimeout = errors.New("comfyui: generation timed out")
