package discordtest

import (
	"net/http"
)

func (s *Server) handleGateway(*request) (int, any, error) {
	return http.StatusOK, map[string]any{"url": s.GatewayURL()}, nil
}

func (s *Server) handleCurrentUser(*request) (int, any, error) {
	u := s.botUser()
	u["verified"] = true
	u["mfa_enabled"] = true
	u["locale"] = "en-US"
	return http.StatusOK, u, nil
}

func (s *Server) handleCurrentApplication(*request) (int, any, error) {
	return http.StatusOK, map[string]any{"id": s.opts.AppID, "name": s.opts.BotUsername, "icon": nil,
		"description": "", "summary": "", "type": nil, "bot_public": true, "bot_require_code_grant": false,
		"verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
		"flags":      0, "bot": s.botUser(), "owner": map[string]any{"id": "1", "username": "owner",
			"discriminator": "0", "avatar": nil, "global_name": nil, "public_flags": 0, "flags": 0},
		"team": nil, "integration_types_config": map[string]any{"0": map[string]any{}, "1": map[string]any{}},
		"approximate_guild_count": 1}, nil
}
