package discord

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// TestAdapter runs most adapter tests against one environment, one after
// the other (each user id belongs to one test): starting and stopping a
// real discordgo session costs a second (discordgo's close handshake).
func TestAdapter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{
		mem:      imaginetest.Options{StepDelay: 3 * time.Millisecond, Models: testModels(), SwitchDelay: 5 * time.Millisecond},
		cfg:      Config{AdminUserIDs: []string{"7900"}, AdminRoleIDs: []string{"7800"}},
		perUser:  2,
		maxQueue: 3,
	})
	t.Run("commands", func(t *testing.T) { checkCommands(t, e.srv.Commands("")) })
	for _, tt := range []struct {
		name string
		f    func(*testing.T, *env)
	}{
		{"imagine end to end", testImagineEndToEnd},
		{"ack without with_response", testAckWithoutResponse},
		{"options", testImagineOptions},
		{"Chinese", testImagineChinese},
		{"help", testHelp},
		{"refusals", testRefusalsAreEphemeral},
		{"server failures", testServerFailures},
		{"cancel", testCancel},
		{"reroll and upscale", testRerollAndUpscale},
		{"model", testModel},
		{"delivery failures", testDeliveryFailures},
		{"server errors on edits", testServerErrorsOnEdits},
		{"refused uploads", testRefusedUploads},
		{"shutdown", testShutdown}, // last: it stops the adapter
	} {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, e.sub(t)) })
	}
}

// TestStrictDiscord runs the tests that need a stricter Discord: short
// interaction token lifetimes, a small attachment size limit, commands
// registered per guild, no GET /users/@me (as behind some proxies), and
// images as large as real ones.
func TestStrictDiscord(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{
		fake:     discordtest.Options{TokenLifetime: tokenLifetime, MaxFileSize: fileLimit},
		mem:      imaginetest.Options{StepDelay: 10 * time.Millisecond},
		perGuild: true,
		cfg:      Config{AdminUserIDs: []string{"9700"}},
		backend:  func(b imagine.Backend) imagine.Backend { return noModels{grainyImages{b}} },
		prepare: func(srv *discordtest.Server) {
			srv.FailNext(discordtest.RouteGetCurrentUser, 1, http.StatusNotFound)
		},
	})
	t.Run("commands per guild", func(t *testing.T) { testCommandsPerGuild(t, e.sub(t)) })
	t.Run("token expiry", func(t *testing.T) { testTokenExpiry(t, e.sub(t)) })
	t.Run("files under the limit", func(t *testing.T) { testFilesStayUnderTheLimit(t, e.sub(t)) })
	t.Run("reconnect", func(t *testing.T) { testReconnect(t, e.sub(t)) })
	t.Run("no models", func(t *testing.T) { testNoModels(t, e.sub(t)) })
}

// noModels is a backend whose server lists no models.
type noModels struct{ imagine.Backend }

func (noModels) Models(context.Context) ([]imagine.Model, error) { return []imagine.Model{}, nil }
