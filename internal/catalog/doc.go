// Package catalog holds every sentence a user can see, in English and
// Simplified Chinese, and picks the language by the user's locale.
//
// The core's sentences and those all front ends share (queue and help
// lines, button labels, refusals) are numbered messages: T(locale, MsgX,
// args...). A sentence that only one front end uses is a Text value in that
// front end's package, so that adding a Discord label never means editing
// the core. Every Text holds both languages with the same formatting
// verbs; Check verifies it, and each package's tests call it on its texts.
package catalog
