package sd

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestSDProgressSample(t *testing.T) {
	png1 := base64.StdEncoding.EncodeToString([]byte("\x89PNG one"))
	tests := []struct {
		name string
		body string
		want Progress
	}{
		{
			name: "sampling",
			body: `{"progress":0.51,"eta_relative":4.5,"state":{"job_count":1,"job_no":0,"sampling_step":10,"sampling_steps":20},"current_image":"` + png1 + `"}`,
			want: Progress{Fraction: 0.51, Step: 10, Steps: 20, ETA: 4500 * time.Millisecond, Preview: []byte("\x89PNG one")},
		},
		{
			name: "idle or between jobs",
			body: `{"progress":0.0,"eta_relative":0.0,"state":{"job":"","job_count":0,"sampling_step":30,"sampling_steps":30},"current_image":null}`,
			want: Progress{},
		},
		{
			name: "loading a model",
			body: `{"progress":0.01,"eta_relative":1234.5,"state":{"job_count":-1,"sampling_step":0,"sampling_steps":0}}`,
			want: Progress{},
		},
		{
			name: "forge stuck at step 0",
			body: `{"progress":0.01,"eta_relative":83.6,"state":{"job_count":1,"job_no":0,"sampling_step":0,"sampling_steps":30},"current_image":null}`,
			want: Progress{Fraction: 0.01, Steps: 30, ETA: 83600 * time.Millisecond},
		},
		{
			name: "seed shape without job_count or progress",
			body: `{"current_image":"","eta_relative":3,"progress":0,"state":{"sampling_step":15,"sampling_steps":30,"task_id":"t"}}`,
			want: Progress{Fraction: 0.5, Step: 15, Steps: 30, ETA: 3 * time.Second},
		},
		{
			name: "second batch computed from job_no",
			body: `{"progress":0,"state":{"job_count":2,"job_no":1,"sampling_step":10,"sampling_steps":20}}`,
			want: Progress{Fraction: 0.75, Step: 10, Steps: 20},
		},
		{
			name: "odd numbers clamped",
			body: `{"progress":"1.7","eta_relative":-5,"state":{"job_count":1,"sampling_step":25,"sampling_steps":20}}`,
			want: Progress{Fraction: 1, Step: 20, Steps: 20},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w sdProgressWire
			if err := json.Unmarshal([]byte(tt.body), &w); err != nil {
				t.Fatal(err)
			}
			if got := w.sample(newTracker("t", "t")); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sample = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestPreviewOnlyWhenChanged(t *testing.T) {
	a := base64.StdEncoding.EncodeToString([]byte("A"))
	b := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("B"))
	tr := newTracker("t", "t")
	var got []string
	for _, img := range []string{"", a, a, b, b, "", a} {
		got = append(got, string(tr.changedPreview(img)))
	}
	want := []string{"", "A", "", "B", "", "", "A"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("previews = %q; want %q", got, want)
	}
}

func TestInternalProgressSample(t *testing.T) {
	img := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("P"))
	tr := newTracker("t", "t")
	steps := []struct {
		body      string
		want      Progress
		wantNewID int
	}{
		{`{"active":false,"queued":false,"completed":false,"progress":null,"eta":null,"live_preview":null,"id_live_preview":-1,"textinfo":"Waiting..."}`, Progress{Queued: true}, -1},
		{`{"active":false,"queued":true,"completed":false,"progress":null,"eta":null,"live_preview":null,"id_live_preview":-1,"textinfo":"In queue: 2/3"}`, Progress{Queued: true}, -1},
		{`{"active":true,"queued":false,"completed":false,"progress":0.5,"eta":45.25,"live_preview":"` + img + `","id_live_preview":1}`, Progress{Fraction: 0.5, ETA: 45250 * time.Millisecond, Preview: []byte("P")}, 1},
		{`{"active":true,"queued":false,"completed":false,"progress":0.6,"eta":40,"live_preview":null,"id_live_preview":1}`, Progress{Fraction: 0.6, ETA: 40 * time.Second}, 1},
		{`{"active":false,"queued":false,"completed":true,"progress":null,"eta":null,"live_preview":null,"id_live_preview":2,"textinfo":"Waiting..."}`, Progress{Fraction: 1}, 2},
	}
	for i, s := range steps {
		var w internalProgressWire
		if err := json.Unmarshal([]byte(s.body), &w); err != nil {
			t.Fatal(err)
		}
		got := w.sample(tr)
		if !reflect.DeepEqual(got, s.want) || tr.previewID != s.wantNewID {
			t.Errorf("step %d: sample = %+v, previewID %d; want %+v, %d", i, got, tr.previewID, s.want, s.wantNewID)
		}
	}
}

func TestTaskIDPresence(t *testing.T) {
	tests := []struct {
		body    string
		wantSet bool
		wantID  string
	}{
		{`{"state":{"task_id":"x"}}`, true, "x"},
		{`{"state":{"task_id":""}}`, true, ""},
		{`{"state":{"task_id":null}}`, true, ""},
		{`{"state":{"job_count":0}}`, false, ""},
	}
	for _, tt := range tests {
		var w sdProgressWire
		if err := json.Unmarshal([]byte(tt.body), &w); err != nil {
			t.Fatal(err)
		}
		if w.State.TaskID.set != tt.wantSet || w.State.TaskID.s != tt.wantID {
			t.Errorf("%s: task_id = %+v; want set=%v %q", tt.body, w.State.TaskID, tt.wantSet, tt.wantID)
		}
	}
}
