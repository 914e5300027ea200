package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// dashboardFile is the Grafana dashboard shipped for these metrics.
const dashboardFile = "../../deploy/grafana/imaginebot.json"

// exported returns the names of every series the bot exports, as PromQL
// sees them (a histogram's _bucket, _sum and _count), read from the
// registry once every labelled metric has a series.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	m := New()
	m.InitSeries([]imagine.Platform{imagine.Telegram, imagine.Discord, imagine.Web}, []string{"gpu0"})
	m.ModelLoaded("gpu0", "model.safetensors")
	m.StoreFailed("end job")
	m.BackendUp("gpu0", true)
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		name := f.GetName()
		switch f.GetType().String() {
		case "HISTOGRAM":
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		case "SUMMARY":
			names[name], names[name+"_sum"], names[name+"_count"] = true, true, true
		default:
			names[name] = true
		}
	}
	return names
}

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promVars     = regexp.MustCompile(`\$\w+`)
	promNumbers  = regexp.MustCompile(`\b\d+(?:\.\d+)?(?:[eE][+-]?\d+|ms|[smhdwy])?\b`) // and durations
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promKeywords = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"}
	labelValues  = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*[a-zA-Z_]\w*\s*\)$`)
)

// metricNames returns the metric names a PromQL expression reads: its
// identifiers that are not functions, keywords, labels or variables.
func metricNames(expr string) []string {
	for _, re := range []*regexp.Regexp{promStrings, promMatchers, promGrouping, promVars, promNumbers} {
		expr = re.ReplaceAllString(expr, " ")
	}
	var out []string
	for _, m := range promIdent.FindAllStringSubmatch(expr, -1) {
		if m[1] != "" || slices.Contains(promKeywords, strings.ToLower(m[0])) {
			continue // a function call or a keyword
		}
		out = append(out, m[0])
	}
	return out
}

func TestMetricNames(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`imaginebot_queue_length`, []string{"imaginebot_queue_length"}},
		{`sum by (outcome) (rate(imaginebot_jobs_total{instance=~"$instance", outcome!="x"}[$__rate_interval])) * 60`, []string{"imaginebot_jobs_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m]))) / on (backend) group_left b_total`, []string{"a_bucket", "b_total"}},
		{`max(up offset 1h) > bool 1e3 and absent(c)`, []string{"up", "c"}},
	} {
		if got := metricNames(c.expr); !slices.Equal(got, c.want) {
			t.Errorf("metricNames(%q) = %v, want %v", c.expr, got, c.want)
		}
	}
}

// walk calls f with every object in v, depth first.
func walk(v any, f func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		f(v)
		for _, c := range v {
			walk(c, f)
		}
	case []any:
		for _, c := range v {
			walk(c, f)
		}
	}
}

// TestGrafanaDashboard keeps deploy/grafana/imaginebot.json importable and
// true to the metrics: every metric its queries read is one the bot
// exports, the panels the README promises are there, and every query uses
// the data source chosen at import.
func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s is not JSON: %v", dashboardFile, err)
	}
	inputs, _ := dash["__inputs"].([]any)
	if len(inputs) != 1 || inputs[0].(map[string]any)["name"] != "DS_PROMETHEUS" || inputs[0].(map[string]any)["pluginId"] != "prometheus" {
		t.Errorf("__inputs = %v, want one Prometheus data source DS_PROMETHEUS", inputs)
	}
	if dash["uid"] == "" || dash["title"] == "" || dash["id"] != nil {
		t.Errorf("uid %v, title %v, id %v: want a uid and a title, and no id (Grafana gives one at import)", dash["uid"], dash["title"], dash["id"])
	}

	have := exported(t)
	used := map[string]bool{}
	ids := map[float64]bool{}
	var exprs int
	walk(dash, func(o map[string]any) {
		if ds, ok := o["datasource"].(map[string]any); ok && ds["uid"] != "${DS_PROMETHEUS}" {
			t.Errorf("a data source %v, want uid ${DS_PROMETHEUS}", ds)
		}
		if _, ok := o["gridPos"]; ok {
			id, _ := o["id"].(float64)
			if ids[id] {
				t.Errorf("panel id %v twice", id)
			}
			ids[id] = true
		}
		expr, ok := o["expr"].(string)
		if !ok {
			return
		}
		exprs++
		names := metricNames(expr)
		if len(names) == 0 {
			t.Errorf("%q reads no metric", expr)
		}
		for _, n := range names {
			used[n] = true
			if !have[n] {
				t.Errorf("%q reads %s, which the bot does not export", expr, n)
			}
		}
	})
	for _, v := range dash["templating"].(map[string]any)["list"].([]any) {
		def, _ := v.(map[string]any)["definition"].(string)
		m := labelValues.FindStringSubmatch(def)
		if m == nil || !have[m[1]] {
			t.Errorf("template variable query %q: want label_values of an exported metric", def)
		}
	}
	if exprs < 10 {
		t.Fatalf("%d queries found: the dashboard's layout is not what this test reads", exprs)
	}
	for _, want := range []string{
		"imaginebot_queue_length",
		"imaginebot_jobs_total",
		"imaginebot_images_total",
		"imaginebot_generation_seconds_bucket",
		"imaginebot_queue_wait_seconds_bucket",
		"imaginebot_backend_up",
		"imaginebot_backend_busy_seconds_total",
		"imaginebot_rate_limited_total",
		"imaginebot_store_errors_total",
		"imaginebot_preview_edits_total",
	} {
		if !used[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
}
