package sdsim

import (
	"image"
	"math"
)

// The simulated "model" paints a landscape: a sky gradient, a sun with a glow
// and three ranges of hills, all chosen by a seeded random stream. A partly
// denoised picture blends per-pixel noise into it.

type rgb struct{ r, g, b float32 }

func lerp(a, b rgb, t float32) rgb {
	return rgb{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t}
}

// hsv converts hue (turns, wrapped), saturation and value to RGB in [0,1].
func hsv(h, s, v float32) rgb {
	h -= float32(math.Floor(float64(h)))
	h *= 6
	i := int(h)
	f := h - float32(i)
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	switch i % 6 {
	case 0:
		return rgb{v, t, p}
	case 1:
		return rgb{q, v, p}
	case 2:
		return rgb{p, v, t}
	case 3:
		return rgb{p, q, v}
	case 4:
		return rgb{t, p, v}
	}
	return rgb{v, p, q}
}

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

type hill struct {
	col                    rgb
	base, amp1, freq1, ph1 float32
	amp2, freq2, ph2       float32
}

type scene struct {
	skyTop, skyHorizon, sun rgb
	sunX, sunY, sunR        float32
	hills                   [3]hill
	noise                   uint32
}

func newScene(key uint64) scene {
	state := mix64(mix64(key + 0x632be59bd9b4e019)) // neighbouring seeds must look unrelated
	next := func() float32 {
		state += 0x9e3779b97f4a7c15
		return float32(mix64(state)>>40) / (1 << 24)
	}
	var sc scene
	hue := next()
	sc.skyTop = hsv(hue, 0.55+0.25*next(), 0.35+0.25*next())
	sc.skyHorizon = hsv(hue+0.08, 0.25+0.2*next(), 0.9+0.1*next())
	sc.sun = hsv(hue+0.5+0.1*next(), 0.25+0.2*next(), 1)
	sc.sunX, sc.sunY, sc.sunR = 0.15+0.7*next(), 0.12+0.3*next(), 0.05+0.07*next()
	hillHue := hue + 0.25 + 0.35*next()
	for i := range sc.hills {
		fi := float32(i)
		sc.hills[i] = hill{
			col:   hsv(hillHue+0.04*fi, 0.35+0.15*fi, 0.62-0.16*fi),
			base:  0.5 + 0.13*fi + 0.06*next(),
			amp1:  0.03 + 0.06*next(),
			freq1: 2 * math.Pi * (0.5 + 1.5*next()),
			ph1:   2 * math.Pi * next(),
			amp2:  0.01 + 0.025*next(),
			freq2: 2 * math.Pi * (2 + 4*next()),
			ph2:   2 * math.Pi * next(),
		}
	}
	sc.noise = uint32(mix64(state + 1))
	return sc
}

// renderScene paints the picture of key at w×h, denoised to t (0 = noise,
// 1 = the final picture). The result depends only on its arguments.
func renderScene(key uint64, w, h int, t float64) *image.RGBA {
	sc := newScene(key)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	tops := make([]float32, 3*w) // hill tops per column, as a fraction of h
	for x := range w {
		fx := (float32(x) + 0.5) / float32(w)
		for i, hl := range sc.hills {
			tops[i*w+x] = hl.base + hl.amp1*sin32(hl.freq1*fx+hl.ph1) + hl.amp2*sin32(hl.freq2*fx+hl.ph2)
		}
	}
	aspect := float32(w) / float32(h)
	r2 := sc.sunR * sc.sunR
	g2 := 9 * r2
	tt := float32(t)
	for y := range h {
		fy := (float32(y) + 0.5) / float32(h)
		sky := lerp(sc.skyTop, sc.skyHorizon, fy)
		dy := fy - sc.sunY
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			c := sky
			front := -1
			for i := 2; i >= 0; i-- {
				if fy >= tops[i*w+x] {
					front = i
					break
				}
			}
			if front >= 0 {
				c = sc.hills[front].col
				shade := 1 - 0.45*(fy-tops[front*w+x])
				c = rgb{c.r * shade, c.g * shade, c.b * shade}
			} else {
				dx := ((float32(x)+0.5)/float32(w) - sc.sunX) * aspect
				d2 := dx*dx + dy*dy
				switch {
				case d2 < r2:
					c = sc.sun
				case d2 < g2:
					k := (g2 - d2) / (g2 - r2)
					c = lerp(c, sc.sun, 0.55*k*k)
				}
			}
			if tt < 1 {
				n := noise32(uint32(x), uint32(y), sc.noise)
				nc := rgb{float32(n&0xff) / 255, float32(n>>8&0xff) / 255, float32(n>>16&0xff) / 255}
				c = lerp(nc, c, tt)
			}
			px := row[4*x : 4*x+4 : 4*x+4]
			px[0], px[1], px[2], px[3] = to8(c.r), to8(c.g), to8(c.b), 255
		}
	}
	return img
}

func sin32(x float32) float32 { return float32(math.Sin(float64(x))) }

func to8(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}

// noise32 hashes a pixel position into 24 bits of colour noise.
func noise32(x, y, seed uint32) uint32 {
	h := x*0x8da6b343 ^ y*0xd8163841 ^ seed*0xcb1ab31f
	h ^= h >> 16
	h *= 0x7feb352d
	h ^= h >> 15
	h *= 0x846ca68b
	h ^= h >> 16
	return h
}

// gridOf lays images out as A1111's image_grid does with the default n_rows
// (-1): round(sqrt(n)) rows, cells the size of the first image.
func gridOf(imgs []*image.RGBA) *image.RGBA {
	if len(imgs) == 1 {
		return imgs[0]
	}
	n := len(imgs)
	rows := max(1, min(n, int(math.Round(math.Sqrt(float64(n))))))
	cols := (n + rows - 1) / rows
	cw, ch := imgs[0].Rect.Dx(), imgs[0].Rect.Dy()
	grid := image.NewRGBA(image.Rect(0, 0, cols*cw, rows*ch))
	for i := range grid.Pix {
		grid.Pix[i] = 0
		if i%4 == 3 {
			grid.Pix[i] = 255
		}
	}
	for i, im := range imgs {
		ox, oy := (i%cols)*cw, (i/cols)*ch
		w, h := min(cw, im.Rect.Dx()), min(ch, im.Rect.Dy())
		for y := range h {
			dst := grid.Pix[(oy+y)*grid.Stride+4*ox:]
			copy(dst[:4*w], im.Pix[y*im.Stride:y*im.Stride+4*w])
		}
	}
	return grid
}
