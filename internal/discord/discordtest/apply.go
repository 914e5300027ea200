package discordtest

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/gif" // image sizes of GIF attachments
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// attachmentRef is one entry of a request's attachments array.
type attachmentRef struct {
	id          string
	filename    string
	description string
}

// msgFields are the message fields of a create or edit payload. A has* false means the key was
// absent; present-but-null values are empty, except components (see parseMsgFields).
type msgFields struct {
	content        string
	hasContent     bool
	embeds         []json.RawMessage
	hasEmbeds      bool
	components     []json.RawMessage
	hasComponents  bool
	attachments    []attachmentRef
	hasAttachments bool // present and not null
	flags          int
	hasFlags       bool
	extras         bool // poll or stickers: a message with only these is not empty
	reference      *msgReference
}

// msgReference is a message_reference of a new message: the message it replies to.
type msgReference struct {
	typ             int
	messageID       string
	channelID       string
	failIfNotExists bool
}

func parseMsgFields(p *payload) (msgFields, *apiError) {
	var f msgFields
	if v, ok := p.fields["content"]; ok {
		f.hasContent = true
		if string(v) != "null" && json.Unmarshal(v, &f.content) != nil {
			return f, formError("content", "BASE_TYPE_STRING", "Must be a string.")
		}
	}
	var err *apiError
	if f.embeds, f.hasEmbeds, err = rawArray(p, "embeds"); err != nil {
		return f, err
	}
	if f.components, f.hasComponents, err = rawArray(p, "components"); err != nil {
		return f, err
	}
	if string(p.fields["components"]) == "null" {
		// Discord ignores "components": null on edits (discord-api-docs#5860); only [] clears
		// them. discordgo's UpdateMessage responses send null when no components are set.
		f.hasComponents = false
	}
	if v, ok := p.fields["flags"]; ok && string(v) != "null" {
		f.hasFlags = true
		if json.Unmarshal(v, &f.flags) != nil {
			return f, formError("flags", "NUMBER_TYPE_COERCE", "Value is not int.")
		}
		if f.flags&FlagComponentsV2 != 0 {
			return f, errNotImplemented("IS_COMPONENTS_V2 messages")
		}
	}
	f.extras = p.hasNonNull("poll") || nonEmptyArray(p.fields["sticker_ids"])
	if p.hasNonNull("message_reference") {
		var r map[string]json.RawMessage
		if json.Unmarshal(p.fields["message_reference"], &r) != nil {
			return f, formError("message_reference", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
		}
		ref := &msgReference{messageID: jsonID(r["message_id"]), channelID: jsonID(r["channel_id"]), failIfNotExists: true}
		if v, ok := r["fail_if_not_exists"]; ok && string(v) != "null" && json.Unmarshal(v, &ref.failIfNotExists) != nil {
			return f, formError("message_reference.fail_if_not_exists", "BASE_TYPE_BOOLEAN", "Must be either true or false.")
		}
		if v, ok := r["type"]; ok && string(v) != "null" && json.Unmarshal(v, &ref.typ) != nil {
			return f, formError("message_reference.type", "NUMBER_TYPE_COERCE", "Value is not int.")
		}
		if ref.messageID == "" {
			return f, formError("message_reference.message_id", "BASE_TYPE_REQUIRED", "This field is required")
		}
		f.reference = ref
	}
	if p.hasNonNull("attachments") {
		f.hasAttachments = true
		var refs []map[string]json.RawMessage
		if json.Unmarshal(p.fields["attachments"], &refs) != nil {
			return f, formError("attachments", "BASE_TYPE_ARRAY", "Must be an array.")
		}
		for i, r := range refs {
			ref := attachmentRef{id: jsonID(r["id"])}
			if ref.id == "" {
				return f, formError("attachments."+itoa(i)+".id", "BASE_TYPE_REQUIRED", "This field is required")
			}
			_ = json.Unmarshal(r["filename"], &ref.filename)
			_ = json.Unmarshal(r["description"], &ref.description)
			f.attachments = append(f.attachments, ref)
		}
	}
	return f, nil
}

// rawArray reads an array of objects; null counts as present and empty.
func rawArray(p *payload, key string) ([]json.RawMessage, bool, *apiError) {
	v, ok := p.fields[key]
	if !ok {
		return nil, false, nil
	}
	var out []json.RawMessage
	if string(v) != "null" && json.Unmarshal(v, &out) != nil {
		return nil, true, formError(key, "BASE_TYPE_ARRAY", "Must be an array.")
	}
	return out, true, nil
}

func nonEmptyArray(v json.RawMessage) bool {
	var a []any
	return json.Unmarshal(v, &a) == nil && len(a) > 0
}

// jsonID reads an id given as a JSON string or number.
func jsonID(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// revisionInput is what a create or edit applies to a message.
type revisionInput struct {
	fields    msgFields
	uploads   []upload
	version   int
	channelID string
	ephemeral bool
	route     string
	now       time.Time
}

// nextRevisionLocked returns the revision that results from applying in to cur (nil for a new
// message), validated against Discord's limits. It implements the v9 attachment rules: files
// uploaded with an edit are appended unless the edit has an attachments array, in which case the
// existing attachments listed there are kept and the uploads are added. With v10 the array must
// also list the new uploads (by id = n of files[n]); unlisted uploads are dropped.
func (s *Server) nextRevisionLocked(cur *Revision, in revisionInput) (Revision, *apiError) {
	f := in.fields
	rev := Revision{Route: in.route, At: in.now}
	const settable = FlagSuppressEmbeds | FlagSuppressNotifications
	if cur == nil {
		rev.Flags = f.flags & settable
		if in.ephemeral {
			rev.Flags |= FlagEphemeral
		}
	} else {
		rev = Revision{Content: cur.Content, Embeds: cur.Embeds, Components: cur.Components,
			Route: in.route, At: in.now, Flags: cur.Flags &^ FlagLoading}
		if f.hasFlags {
			rev.Flags = rev.Flags&^FlagSuppressEmbeds | f.flags&FlagSuppressEmbeds
		}
	}
	if f.hasContent {
		rev.Content = f.content
	}
	if f.hasEmbeds {
		embeds, err := normaliseEmbeds(f.embeds)
		if err != nil {
			return rev, err
		}
		rev.Embeds = embeds
	}
	if f.hasComponents {
		rev.Components = f.components
	}
	atts, err := s.attachmentsLocked(cur, in)
	if err != nil {
		return rev, err
	}
	rev.Attachments = atts
	if err := validateRevision(&rev, f.extras); err != nil {
		return rev, err
	}
	rev.MissingAttachmentRefs = missingRefs(rev)
	return rev, nil
}

// attachmentsLocked computes the attachments after a create or edit.
func (s *Server) attachmentsLocked(cur *Revision, in revisionInput) ([]Attachment, *apiError) {
	f := in.fields
	byIndex := map[int]upload{}
	for _, u := range in.uploads {
		byIndex[u.index] = u
	}
	var out []Attachment
	if !f.hasAttachments {
		if cur != nil {
			out = append(out, cur.Attachments...) // the "files pile up" rule
		}
		for _, u := range in.uploads {
			out = append(out, s.newAttachment(u, attachmentRef{}, in))
		}
		return out, nil
	}
	// The listed attachments come first, in the listed order.
	referenced := map[int]bool{}
	for i, ref := range f.attachments {
		if cur != nil {
			if a, ok := findAttachment(cur.Attachments, ref.id); ok {
				out = append(out, a)
				continue
			}
		}
		n, err := strconv.Atoi(ref.id)
		u, ok := byIndex[n]
		if err != nil || !ok || referenced[n] {
			return nil, formErrorf("attachments."+itoa(i)+".id", "ATTACHMENT_NOT_FOUND",
				"Unknown attachment %s: no existing attachment or files[n] upload has this id.", ref.id)
		}
		referenced[n] = true
		out = append(out, s.newAttachment(u, ref, in))
	}
	if in.version >= 10 {
		return out, nil
	}
	// v9: every upload is added, listed or not.
	for _, u := range in.uploads {
		if !referenced[u.index] {
			out = append(out, s.newAttachment(u, attachmentRef{}, in))
		}
	}
	return out, nil
}

func findAttachment(atts []Attachment, id string) (Attachment, bool) {
	for _, a := range atts {
		if a.ID == id {
			return a, true
		}
	}
	return Attachment{}, false
}

// newAttachment stores an upload as an attachment; ref may rename it or add a description.
func (s *Server) newAttachment(u upload, ref attachmentRef, in revisionInput) Attachment {
	name := u.filename
	if ref.filename != "" {
		name = ref.filename
	}
	name = sanitizeFilename(name)
	a := Attachment{ID: s.ids.next(in.now), Filename: name, Description: ref.description,
		Size: len(u.data), Data: u.data, Ephemeral: in.ephemeral}
	a.ContentType = http.DetectContentType(u.data)
	if a.ContentType == "application/octet-stream" || strings.HasPrefix(a.ContentType, "text/plain") {
		if t := mime.TypeByExtension(path.Ext(name)); t != "" {
			a.ContentType = t
		}
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(u.data)); err == nil {
		a.Width, a.Height = cfg.Width, cfg.Height
	}
	a.URL, a.ProxyURL = s.attachmentURLsLocked(in.channelID, a.ID, name, in.ephemeral, u.data, a.ContentType, in.now)
	return a
}

// sanitizeFilename replaces what Discord does not keep in attachment names.
func sanitizeFilename(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "unknown"
	}
	return b.String()
}

// userAttachmentLocked stores a file a user uploaded (an attachment option, a user's message)
// and returns it as an attachment: its content type detected as for the bot's uploads (unless
// the upload names one), its size and, for images the standard library reads, its dimensions.
func (s *Server) userAttachmentLocked(channelID string, u Upload, ephemeral bool) Attachment {
	now := s.now()
	up := upload{filename: u.Filename, contentType: u.ContentType, data: u.Data}
	a := s.newAttachment(up, attachmentRef{}, revisionInput{channelID: channelID, ephemeral: ephemeral, now: now})
	if u.ContentType != "" {
		a.ContentType = u.ContentType
		s.files[a.ID].ctype = u.ContentType
	}
	return a
}
