// Package config loads imaginebot's one YAML configuration file.
//
// A Config is built in four steps: defaults, the YAML file (unknown keys are
// errors that name the key and its line), ${VAR} expansion from the
// environment in every string value, and Validate, which reports every
// problem at once. Components never see the Config: cmd/bot hands them the
// plain values they need.
package config
