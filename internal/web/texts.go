package web

import (
	"reflect"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// texts are the sentences only the web front end says, in English and
// Simplified Chinese; the shared ones are in internal/catalog. Pages look
// them up by field name (see lang.T).
var texts = struct {
	Title, Intro, Prompt, PromptHint, Negative, NegativeHint, Shape, ShapeDefault, Steps, Seed, SeedHint,
	Style, StyleNone, Count, Hires, Generate, More, YourImages, NoImages, NoScript,
	Download, DownloadN, Upscale, UpscaleN, Vary, VaryN, Preview, Result,
	EmptyPrompt, Duplicate, Refused, TooMany, TooManySessions, TooLong, Expired, NotFound, ImageGone,
	SignIn, SignInTitle, Password, SignOut, SignedIn, AdminTitle, Playground, AdminsOnly,
	WrongPassword, TooManyAttempts, NoPassword, HistoryCaption, Connection, You,
	DashQueue, DashRunning, DashWaiting, NothingRunning, NobodyWaiting, MoreWaiting, StepsN, Updated,
	DashBackends, BackendBusy, BackendIdle, BackendDown, DefaultModel, SwitchModel, SwitchTo, NoModels, NoModel, ModelSwitched,
	DashCharts, ChartQueue, ChartImages, ChartBusy, ChartScale,
	DashBlocks, BlockUser, BlockHint, Block, Unblock, NoBlocks, InConfig, BlockedBy, UserBlocked, UserUnblocked,
	DashGallery, NoResults, GalleryError, SeedN, JobCancelled, Cancel, DashNoScript, NoDashboard, Working catalog.Text
}{
	Title:           catalog.Text{EN: "imaginebot playground", ZH: "imaginebot 体验页"},
	Intro:           catalog.Text{EN: "Describe an image. It joins the same fair queue as the chat users and sharpens step by step.", ZH: "描述一张图片。它和聊天用户排在同一个公平队列里，并逐步变清晰。"},
	Prompt:          catalog.Text{EN: "Prompt", ZH: "提示词"},
	PromptHint:      catalog.Text{EN: "a lighthouse at dusk, oil painting", ZH: "黄昏时的灯塔，油画"},
	Negative:        catalog.Text{EN: "Leave out", ZH: "不想出现的内容"},
	NegativeHint:    catalog.Text{EN: "text, people", ZH: "文字, 人物"},
	Shape:           catalog.Text{EN: "Shape or size", ZH: "比例或尺寸"},
	ShapeDefault:    catalog.Text{EN: "default", ZH: "默认"},
	Steps:           catalog.Text{EN: "Steps", ZH: "步数"},
	Seed:            catalog.Text{EN: "Seed", ZH: "种子"},
	SeedHint:        catalog.Text{EN: "random", ZH: "随机"},
	Style:           catalog.Text{EN: "Style", ZH: "风格"},
	StyleNone:       catalog.Text{EN: "none", ZH: "无"},
	Count:           catalog.Text{EN: "Images", ZH: "张数"},
	Hires:           catalog.Text{EN: "Hires fix", ZH: "高清修复"},
	Generate:        catalog.Text{EN: "Generate", ZH: "生成"},
	More:            catalog.Text{EN: "More options", ZH: "更多选项"},
	YourImages:      catalog.Text{EN: "Your images", ZH: "你的图片"},
	NoImages:        catalog.Text{EN: "Nothing yet: your requests appear here.", ZH: "还没有内容：你的请求会显示在这里。"},
	NoScript:        catalog.Text{EN: "Without JavaScript the page does not update by itself: reload it to see your images progress.", ZH: "未启用 JavaScript 时页面不会自动更新：请刷新页面查看进度。"},
	Download:        catalog.Text{EN: "⬇ PNG", ZH: "⬇ PNG 原图"},
	DownloadN:       catalog.Text{EN: "⬇ PNG %d", ZH: "⬇ PNG 原图 %d"},
	Upscale:         catalog.Text{EN: "⬆ Upscale", ZH: "⬆ 放大"},
	UpscaleN:        catalog.Text{EN: "⬆ Upscale %d", ZH: "⬆ 放大 %d"},
	Vary:            catalog.Text{EN: "🎨 Vary", ZH: "🎨 变体"},
	VaryN:           catalog.Text{EN: "🎨 Vary %d", ZH: "🎨 变体 %d"},
	Preview:         catalog.Text{EN: "Preview of your image", ZH: "图片预览"},
	Result:          catalog.Text{EN: "Your image: %s", ZH: "你的图片：%s"},
	EmptyPrompt:     catalog.Text{EN: "Please describe the image you want, e.g. a lighthouse at dusk.", ZH: "请描述你想要的图片，例如：黄昏时的灯塔。"},
	Duplicate:       catalog.Text{EN: "This request was already received.", ZH: "这个请求已经收到了。"},
	Refused:         catalog.Text{EN: "Refused. Reload the page and try again.", ZH: "请求被拒绝。请刷新页面后重试。"},
	TooMany:         catalog.Text{EN: "Too many open pages. Close some tabs and reload.", ZH: "打开的页面太多了。请关闭一些标签页后刷新。"},
	TooManySessions: catalog.Text{EN: "Too many new visitors from your address. Please try again in a few minutes.", ZH: "来自你的网络地址的新访客过多，请过几分钟再试。"},
	TooLong:         catalog.Text{EN: "This request is too long (more than %d KiB). Please shorten the prompt.", ZH: "请求内容过长（超过 %d KiB），请缩短提示词。"},
	Expired:         catalog.Text{EN: "Your sign-in has expired. Please sign in again.", ZH: "登录已过期，请重新登录。"},
	NotFound:        catalog.Text{EN: "There is nothing here.", ZH: "这里什么也没有。"},
	ImageGone:       catalog.Text{EN: "This image is no longer kept.", ZH: "这张图片已不再保留。"},
	SignIn:          catalog.Text{EN: "Sign in", ZH: "登录"},
	SignInTitle:     catalog.Text{EN: "Admin sign-in", ZH: "管理员登录"},
	Password:        catalog.Text{EN: "Password", ZH: "密码"},
	SignOut:         catalog.Text{EN: "Sign out", ZH: "退出登录"},
	SignedIn:        catalog.Text{EN: "Signed in as admin.", ZH: "已作为管理员登录。"},
	AdminTitle:      catalog.Text{EN: "imaginebot admin", ZH: "imaginebot 管理"},
	Playground:      catalog.Text{EN: "Playground", ZH: "体验页"},
	AdminsOnly:      catalog.Text{EN: "The playground is open to signed-in admins only.", ZH: "体验页仅对已登录的管理员开放。"},
	WrongPassword:   catalog.Text{EN: "Sign-in failed.", ZH: "登录失败。"},
	TooManyAttempts: catalog.Text{EN: "Too many failed sign-ins. Try again later.", ZH: "登录失败次数过多，请稍后再试。"},
	NoPassword:      catalog.Text{EN: "Signing in is turned off: no admin password is configured (web.admin_password).", ZH: "登录已关闭：未配置管理员密码（web.admin_password）。"},
	HistoryCaption:  catalog.Text{EN: "%s\nSeed %s · %dx%d · %s", ZH: "%s\n种子 %s · %dx%d · %s"},
	You:             catalog.Text{EN: "you", ZH: "你"},
	Connection:      catalog.Text{EN: "Live updates paused; reconnecting…", ZH: "实时更新已暂停，正在重新连接…"},

	// The admin dashboard.
	DashQueue:      catalog.Text{EN: "Queue", ZH: "队列"},
	DashRunning:    catalog.Text{EN: "Running", ZH: "正在生成"},
	DashWaiting:    catalog.Text{EN: "Waiting", ZH: "排队中"},
	NothingRunning: catalog.Text{EN: "Nothing is running.", ZH: "当前没有正在生成的任务。"},
	NobodyWaiting:  catalog.Text{EN: "Nobody is waiting.", ZH: "没有人在排队。"},
	MoreWaiting:    catalog.Text{EN: "…and %d more waiting.", ZH: "……还有 %d 个在排队。"},
	StepsN:         catalog.Text{EN: "%d steps", ZH: "%d 步"},
	Updated:        catalog.Text{EN: "Updated %s", ZH: "更新于 %s"},
	DashBackends:   catalog.Text{EN: "Backends", ZH: "后端"},
	BackendBusy:    catalog.Text{EN: "busy", ZH: "忙碌"},
	BackendIdle:    catalog.Text{EN: "idle", ZH: "空闲"},
	BackendDown:    catalog.Text{EN: "down", ZH: "离线"},
	DefaultModel:   catalog.Text{EN: "Default model: %s", ZH: "默认模型：%s"},
	SwitchModel:    catalog.Text{EN: "Switch model", ZH: "切换模型"},
	SwitchTo:       catalog.Text{EN: "Model", ZH: "模型"},
	NoModels:       catalog.Text{EN: "The models cannot be listed now: %s", ZH: "暂时无法列出模型：%s"},
	NoModel:        catalog.Text{EN: "Choose a model.", ZH: "请选择一个模型。"},
	ModelSwitched:  catalog.Text{EN: "Switched to %s.", ZH: "已切换到 %s。"},
	DashCharts:     catalog.Text{EN: "The last hour", ZH: "最近一小时"},
	ChartQueue:     catalog.Text{EN: "Queue length", ZH: "队列长度"},
	ChartImages:    catalog.Text{EN: "Images per minute", ZH: "每分钟图片数"},
	ChartBusy:      catalog.Text{EN: "GPU busy", ZH: "GPU 占用"},
	ChartScale:     catalog.Text{EN: "now %s · top %s", ZH: "当前 %s · 上限 %s"},
	DashBlocks:     catalog.Text{EN: "Blocked users", ZH: "已封禁用户"},
	BlockUser:      catalog.Text{EN: "User key", ZH: "用户标识"},
	BlockHint:      catalog.Text{EN: "tg:123456", ZH: "tg:123456"},
	Block:          catalog.Text{EN: "Block", ZH: "封禁"},
	Unblock:        catalog.Text{EN: "Unblock", ZH: "解除封禁"},
	NoBlocks:       catalog.Text{EN: "Nobody is blocked.", ZH: "没有被封禁的用户。"},
	InConfig:       catalog.Text{EN: "in the configuration", ZH: "在配置文件中"},
	BlockedBy:      catalog.Text{EN: "by %s, %s", ZH: "由 %s 封禁，%s"},
	UserBlocked:    catalog.Text{EN: "%s is blocked.", ZH: "已封禁 %s。"},
	UserUnblocked:  catalog.Text{EN: "%s is unblocked.", ZH: "已解除封禁 %s。"},
	DashGallery:    catalog.Text{EN: "Recent results", ZH: "最近的结果"},
	NoResults:      catalog.Text{EN: "No results yet.", ZH: "还没有结果。"},
	GalleryError:   catalog.Text{EN: "The recent results cannot be read now.", ZH: "暂时无法读取最近的结果。"},
	SeedN:          catalog.Text{EN: "seed %s", ZH: "种子 %s"},
	JobCancelled:   catalog.Text{EN: "Job %s is cancelled.", ZH: "任务 %s 已取消。"},
	Cancel:         catalog.Text{EN: "Cancel", ZH: "取消"},
	DashNoScript:   catalog.Text{EN: "Without JavaScript the dashboard does not update by itself: reload it.", ZH: "未启用 JavaScript 时仪表盘不会自动更新：请刷新页面。"},
	NoDashboard:    catalog.Text{EN: "This core has no admin dashboard.", ZH: "此服务没有管理仪表盘。"},
	Working:        catalog.Text{EN: "Working…", ZH: "处理中…"},
}

// lang is the language a page is rendered in, from the browser's
// Accept-Language.
type lang string

// T returns the web text called name (a field of texts) in l, with args.
// An unknown name renders as "!(name)", which the tests look for.
func (l lang) T(name string, args ...any) string {
	f := reflect.ValueOf(texts).FieldByName(name)
	if !f.IsValid() {
		return "!(" + name + ")"
	}
	return f.Interface().(catalog.Text).In(string(l), args...)
}

// langOf picks the page language from an Accept-Language header: the
// first language the browser lists that the catalogue has, else English.
// Quality values are not weighed: browsers list languages best first.
func langOf(accept string) lang {
	for tag := range strings.SplitSeq(accept, ",") {
		tag, _, _ = strings.Cut(tag, ";")
		switch t := strings.ToLower(strings.TrimSpace(tag)); {
		case strings.HasPrefix(t, "zh"):
			return "zh"
		case strings.HasPrefix(t, "en"):
			return "en"
		}
	}
	return "en"
}
