package web

import (
	"strconv"
	"strings"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// The charts' drawing area, in SVG user units (the <svg> scales to the
// page's width).
const (
	chartW = 300
	chartH = 60
)

// chart is one small line chart of the last hour, drawn server-side as
// inline SVG: the template only places the coordinates computed here.
type chart struct {
	ID     string // queue, images, busy
	Title  string
	Now    string // the current minute's value
	Max    string // the top of the scale
	Line   string // the polyline's points
	Area   string // the polygon under it
	Label  string // the chart as one sentence, for screen readers
	Width  int
	Height int
}

// charts draws queue length, images per minute and GPU busy fraction from
// Stats' points (oldest first).
func charts(l lang, pts []imagine.StatPoint) []chart {
	waiting := make([]float64, len(pts))
	images := make([]float64, len(pts))
	busy := make([]float64, len(pts))
	for i, p := range pts {
		waiting[i], images[i], busy[i] = float64(p.Waiting), float64(p.Images), p.Busy*100
	}
	return []chart{
		drawChart("queue", l.T("ChartQueue"), waiting, niceMax(waiting), ""),
		drawChart("images", l.T("ChartImages"), images, niceMax(images), ""),
		drawChart("busy", l.T("ChartBusy"), busy, 100, "%"),
	}
}

// niceMax is the top of a chart's scale: the largest value rounded up to
// 1, 2 or 5 times a power of ten (at least 1).
func niceMax(vs []float64) float64 {
	top := 0.0
	for _, v := range vs {
		top = max(top, v)
	}
	for step := 1.0; ; step *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if top <= m*step {
				return m * step
			}
		}
	}
}

func drawChart(id, title string, vs []float64, top float64, unit string) chart {
	c := chart{ID: id, Title: title, Max: num(top) + unit, Width: chartW, Height: chartH}
	if len(vs) == 0 {
		c.Now = "0" + unit
		c.Label = title + ": " + c.Now
		return c
	}
	c.Now = num(vs[len(vs)-1]) + unit
	c.Label = title + ": " + c.Now + " (max " + c.Max + ")"
	var line strings.Builder
	step := float64(chartW)
	if len(vs) > 1 {
		step = float64(chartW) / float64(len(vs)-1)
	}
	for i, v := range vs {
		x := float64(i) * step
		y := float64(chartH) - min(v/top, 1)*float64(chartH-2) - 1
		if i > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(coord(x) + "," + coord(y))
	}
	c.Line = line.String()
	last := coord(float64(len(vs)-1) * step)
	c.Area = "0," + strconv.Itoa(chartH) + " " + c.Line + " " + last + "," + strconv.Itoa(chartH)
	return c
}

// coord writes a coordinate with one decimal.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// num writes a value without needless decimals.
func num(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
