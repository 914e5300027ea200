package sdsim

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"sync"
)

// pngPool lets png.Encoder reuse its buffers across images.
type pngPool struct{ p sync.Pool }

func (pp *pngPool) Get() *png.EncoderBuffer {
	b, _ := pp.p.Get().(*png.EncoderBuffer)
	return b
}

func (pp *pngPool) Put(b *png.EncoderBuffer) { pp.p.Put(b) }

var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngPool{}}

// ihdrEnd is the length of the PNG signature plus the IHDR chunk.
const ihdrEnd = 8 + 4 + 4 + 13 + 4

// encodePNG encodes img (opaque, so as 8-bit RGB like A1111's) and, when
// parameters is not empty, stores it right after IHDR under the key
// "parameters" the way PIL does: tEXt when it is Latin-1, else iTXt.
func encodePNG(img *image.RGBA, parameters string) []byte {
	var buf bytes.Buffer
	buf.Grow(len(img.Pix)/4 + 1024)
	if err := pngEncoder.Encode(&buf, img); err != nil {
		panic("sdsim: png encode: " + err.Error()) // only fails on invalid images or writers
	}
	if parameters == "" {
		return buf.Bytes()
	}
	chunk := textChunk("parameters", parameters)
	b := buf.Bytes()
	out := make([]byte, 0, len(b)+len(chunk))
	out = append(out, b[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, b[ihdrEnd:]...)
}

// textChunk builds a complete tEXt (Latin-1 text) or uncompressed iTXt chunk.
func textChunk(key, text string) []byte {
	var typ string
	var data []byte
	if latin1, ok := toLatin1(text); ok {
		typ = "tEXt"
		data = append(append([]byte(key), 0), latin1...)
	} else {
		typ = "iTXt"
		// keyword, NUL, compression flag 0, method 0, empty language tag and
		// translated keyword (each NUL-terminated), then UTF-8 text.
		data = append(append([]byte(key), 0, 0, 0, 0, 0), text...)
	}
	chunk := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(chunk, uint32(len(data)))
	copy(chunk[4:], typ)
	chunk = append(chunk, data...)
	return binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
}

// toLatin1 encodes s as ISO-8859-1 if every rune fits.
func toLatin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}
