package catalog

import (
	"fmt"
	"strings"
)

// MsgID names one user-visible sentence in the catalogue.
type MsgID int

// The catalogue's message ids: the core's sentences and those every front
// end shares. A sentence only one front end uses belongs to that front end,
// as a Text value in its own package.
const (
	MsgEmptyPrompt MsgID = iota
	MsgPromptTooLong
	MsgUnknownOption
	MsgMissingValue
	MsgRepeatedOption
	MsgBadNumber
	MsgBadDecimal
	MsgOutOfRange
	MsgCFGRange
	MsgBadLora
	MsgBadSize
	MsgSizeRange
	MsgBadAspect
	MsgAspectRange
	MsgSizeAndAspect
	MsgUnknownStyle
	MsgNoStyles
	MsgUserLimit
	MsgQueueFull
	MsgShuttingDown
	MsgNotRun
	MsgStoppedByRestart
	MsgBlocked
	MsgBlockedStopped
	MsgBadUserKey
	MsgBlockSelf
	MsgBlockedInConfig
	MsgNotBlocked
	MsgBannedPrompt
	MsgCooldown
	MsgNotHere

	MsgQueued
	MsgQueuedNext
	MsgStarting
	MsgProgress
	MsgCaption
	MsgFailed
	MsgCancelled
	MsgNotYourJob
	MsgJobGone

	MsgFailDown
	MsgFailOOM
	MsgFailRejected
	MsgFailTimeout
	MsgFailServer
	MsgFailInternal
	MsgFailInterrupted
	MsgFailNoImage

	MsgModelNotFound
	MsgUnknownModel
	MsgModelNotAllowed
	MsgModelNotAllowedNone
	MsgUnknownSampler
	MsgNoSuchSampler
	MsgUnknownScheduler
	MsgNoSuchScheduler
	MsgUnknownLora
	MsgNoSuchLora
	MsgModelSwitched
	MsgModelSwitchFailed
	MsgModelSwitching
	MsgModelCurrent
	MsgNotAdmin

	// Chat adapters: help, command menus, buttons, callback answers,
	// /queue and /model.
	MsgHelpStyles
	MsgHelpAdmin
	MsgCmdImagine
	MsgCmdQueue
	MsgCmdHelp
	MsgCmdModel
	MsgBtnCancel
	MsgBtnReroll
	MsgBtnTryAgain
	MsgButtonExpired
	MsgQueueEmpty
	MsgQueueMine
	MsgQueueRunning
	MsgQueueWaiting

	// Durable state: restarts, results kept, /settings, /history, quotas.
	MsgRestarting
	MsgRestartingRerun
	MsgRestarted
	MsgRestartedRerun
	MsgResultExpired
	MsgImageGone
	MsgQuota
	MsgQuotaLeft
	MsgBadLanguage
	MsgBadSetting
	MsgUnknownSetting
	MsgCmdSettings
	MsgCmdHistory
	MsgSettingsTitle
	MsgSettingsSize
	MsgSettingsSteps
	MsgSettingsStyle
	MsgSettingsNegative
	MsgSettingsHires
	MsgSettingsLanguage
	MsgSettingsDefault
	MsgSettingsOn
	MsgSettingsOff
	MsgSettingsSaved
	MsgSettingsHelp
	MsgHistoryEmpty
	MsgHistoryTitle
	MsgHistoryItem
	MsgBtnRunAgain
	MsgNoBackend

	// Images users give: img2img, ⬆ Upscale, 🎨 Vary.
	MsgInputGone
	MsgInputNotImage
	MsgInputTooBig
	MsgInputTooManyPixels
	MsgInputAnimated
	MsgInputFormat
	MsgStrengthNoImage
	MsgKindImg2Img
	MsgKindUpscale
	MsgKindVary
	MsgHelpImage
	MsgUpscaleUnsupported
	MsgUpscalerMissing
	MsgImg2ImgUnsupported
	MsgVaryUnsupported
	MsgUpscaleTooLarge

	numMsgs // keep last
)

// catalogue holds every message in English and Simplified Chinese, as
// fmt formats. Index with a MsgID.
var catalogue = [numMsgs]Text{
	MsgEmptyPrompt:      {"Please describe the image you want, e.g. /imagine a lighthouse at dusk --ar 16:9", "请描述你想要的图片，例如：/imagine 黄昏时的灯塔 --ar 16:9"},
	MsgPromptTooLong:    {"Your prompt is %d characters long; the limit is %d.", "提示词长度为 %d 个字符，超过了 %d 的上限。"},
	MsgUnknownOption:    {"Unknown option %s. Options are --ar, --size, --steps, --seed, --no, --style, --n, --hr, --cfg, --sampler, --scheduler, --model, --lora and --strength.", "未知选项 %s。可用选项：--ar、--size、--steps、--seed、--no、--style、--n、--hr、--cfg、--sampler、--scheduler、--model、--lora、--strength。"},
	MsgMissingValue:     {"%s needs a value, e.g. %s.", "%s 需要一个值，例如 %s。"},
	MsgRepeatedOption:   {"%s was given twice.", "%s 重复出现了。"},
	MsgBadNumber:        {"%s needs a whole number, got %q.", "%s 需要一个整数，收到的是 %q。"},
	MsgBadDecimal:       {"%s needs a number such as 7 or 3.5, got %q.", "%s 需要一个数字，例如 7 或 3.5，收到的是 %q。"},
	MsgOutOfRange:       {"%s must be between %d and %d, got %d.", "%s 必须在 %d 到 %d 之间，收到的是 %d。"},
	MsgCFGRange:         {"%s must be between %g and %g, got %g.", "%s 必须在 %g 到 %g 之间，收到的是 %g。"},
	MsgBadLora:          {"--lora needs NAME or NAME:WEIGHT, with a weight from -5 to 5, e.g. --lora add_detail:0.6; got %q.", "--lora 需要 名称 或 名称:权重（权重在 -5 到 5 之间），例如 --lora add_detail:0.6；收到的是 %q。"},
	MsgBadSize:          {"--size needs WIDTHxHEIGHT, e.g. 768x512, got %q.", "--size 需要 宽x高 的格式，例如 768x512，收到的是 %q。"},
	MsgSizeRange:        {"The size must be between 64x64 and %dx%d, got %dx%d.", "尺寸必须在 64x64 到 %dx%d 之间，收到的是 %dx%d。"},
	MsgBadAspect:        {"--ar needs a ratio like 16:9, got %q.", "--ar 需要类似 16:9 的比例，收到的是 %q。"},
	MsgAspectRange:      {"The aspect ratio must be between 1:4 and 4:1, got %s.", "宽高比必须在 1:4 到 4:1 之间，收到的是 %s。"},
	MsgSizeAndAspect:    {"Use either --ar or --size, not both.", "--ar 和 --size 只能选一个。"},
	MsgUnknownStyle:     {"There is no style called %q. Styles: %s.", "没有名为 %q 的风格。可用风格：%s。"},
	MsgNoStyles:         {"There is no style called %q: this server has no styles.", "没有名为 %q 的风格：此服务器未配置任何风格。"},
	MsgUserLimit:        {"You already have %d requests queued or running. Please wait for one to finish.", "你已有 %d 个请求在排队或生成中，请等其中一个完成后再试。"},
	MsgQueueFull:        {"The queue is full right now. Please try again in a few minutes.", "队列已满，请过几分钟再试。"},
	MsgShuttingDown:     {"The bot is restarting. Please send your request again in a minute.", "机器人正在重启，请稍后重新发送你的请求。"},
	MsgNotRun:           {"The bot restarted before your request ran. Please send it again.", "机器人在你的请求运行前重启了，请重新发送。"},
	MsgStoppedByRestart: {"The bot restarted before your image was finished. Please send it again.", "机器人在图片完成前重启了，请重新发送。"},
	MsgBlocked:          {"Sorry, you can't use this bot.", "抱歉，你无法使用此机器人。"},
	MsgBlockedStopped:   {"An admin has blocked you, so this request was stopped.", "管理员已封禁你，此请求已被停止。"},
	MsgBadUserKey:       {"%q is not a user: write it as platform:id, e.g. tg:123 or dc:456.", "%q 不是有效的用户：请写成 平台:ID，例如 tg:123 或 dc:456。"},
	MsgBlockSelf:        {"You can't block yourself.", "你不能封禁自己。"},
	MsgBlockedInConfig:  {"%s is blocked in the configuration (moderation.blocked_user_ids); unblock them there.", "%s 是在配置中封禁的（moderation.blocked_user_ids），请在配置中解除封禁。"},
	MsgNotBlocked:       {"%s is not blocked.", "%s 未被封禁。"},
	MsgBannedPrompt:     {"Sorry, that prompt is not allowed here. Please try something else.", "抱歉，此处不允许该提示词，请换一个试试。"},
	MsgNotHere:          {"Sorry, this bot is not available here.", "抱歉，此机器人在这里不可用。"},
	MsgCooldown:         {"Please wait %s before your next request.", "请等待 %s 后再发送下一个请求。"},

	MsgQueued:     {"Queued: position %d of %d.", "排队中：第 %d 位，共 %d 位。"},
	MsgQueuedNext: {"Queued: you are next.", "排队中：下一个就是你。"},
	MsgStarting:   {"Starting…", "开始生成…"},
	MsgProgress:   {"%s %d%% · step %d/%d · ETA %s", "%s %d%% · 第 %d/%d 步 · 预计还需 %s"},
	MsgCaption:    {"%s\nSeed %s · %dx%d · %d steps · %s · %s · by %s", "%s\n种子 %s · %dx%d · %d 步 · %s · 用时 %s · 来自 %s"},
	MsgFailed:     {"Failed: %s", "生成失败：%s"},
	MsgCancelled:  {"Cancelled.", "已取消。"},
	MsgNotYourJob: {"Only the person who asked, or an admin, can cancel this.", "只有发起者或管理员可以取消此请求。"},
	MsgJobGone:    {"This request has already finished.", "此请求已经结束。"},

	MsgFailDown:        {"The image server is not reachable right now. Please try again later.", "图片服务器暂时无法连接，请稍后再试。"},
	MsgFailOOM:         {"The image server ran out of GPU memory. Try a smaller size or fewer images.", "图片服务器显存不足，请尝试更小的尺寸或更少的张数。"},
	MsgFailRejected:    {"The image server rejected the request: %s", "图片服务器拒绝了请求：%s"},
	MsgFailTimeout:     {"The image took too long and was stopped. Try fewer steps or a smaller size.", "生成时间过长，已被停止。请尝试更少的步数或更小的尺寸。"},
	MsgFailServer:      {"The image server had an error. Please try again.", "图片服务器出错了，请重试。"},
	MsgFailInternal:    {"Something went wrong. Please try again.", "出了点问题，请重试。"},
	MsgFailInterrupted: {"The image server stopped this job.", "图片服务器中止了此任务。"},
	MsgFailNoImage:     {"The image server returned no image. Please try again.", "图片服务器没有返回图片，请重试。"},

	MsgModelNotFound:       {"There is no model called %q.", "没有名为 %q 的模型。"},
	MsgUnknownModel:        {"There is no model called %q. Did you mean %s?", "没有名为 %q 的模型。你是不是想要 %s？"},
	MsgModelNotAllowed:     {"Sorry, the model %q is not offered here. You may choose: %s.", "抱歉，这里不提供模型 %q。可选模型：%s。"},
	MsgModelNotAllowedNone: {"Sorry, the model %q is not offered here; leave out --model to use the default one.", "抱歉，这里不提供模型 %q；不写 --model 即可使用默认模型。"},
	MsgUnknownSampler:      {"There is no sampler called %q. Did you mean %s?", "没有名为 %q 的采样器。你是不是想要 %s？"},
	MsgNoSuchSampler:       {"There is no sampler called %q. Samplers: %s.", "没有名为 %q 的采样器。可用采样器：%s。"},
	MsgUnknownScheduler:    {"There is no scheduler called %q. Did you mean %s?", "没有名为 %q 的调度器。你是不是想要 %s？"},
	MsgNoSuchScheduler:     {"There is no scheduler called %q. Schedulers: %s.", "没有名为 %q 的调度器。可用调度器：%s。"},
	MsgUnknownLora:         {"There is no LoRA called %q. Did you mean %s?", "没有名为 %q 的 LoRA。你是不是想要 %s？"},
	MsgNoSuchLora:          {"There is no LoRA called %q.", "没有名为 %q 的 LoRA。"},
	MsgModelSwitched:       {"Model switched to %s.", "模型已切换为 %s。"},
	MsgModelSwitchFailed:   {"Could not switch the model: %s", "切换模型失败：%s"},
	MsgModelSwitching:      {"Switching the model to %s. Running images finish first…", "正在切换模型为 %s，会先等当前图片生成完毕…"},
	MsgModelCurrent:        {"Current model: %s", "当前模型：%s"},
	MsgNotAdmin:            {"Sorry, only bot admins can do that.", "抱歉，只有机器人管理员可以这样做。"},

	MsgHelpStyles:    {"Styles: %s", "可用风格：%s"},
	MsgHelpAdmin:     {"Admins: /model shows the models and switches between them.", "管理员：/model 查看并切换模型。"},
	MsgCmdImagine:    {"Generate an image from a prompt", "根据提示词生成图片"},
	MsgCmdQueue:      {"Show your requests and the queue", "查看你的请求和队列"},
	MsgCmdHelp:       {"How to use the bot, with examples", "使用说明和示例"},
	MsgCmdModel:      {"Show or switch the model (admins only)", "查看或切换模型（仅限管理员）"},
	MsgBtnCancel:     {"✖ Cancel", "✖ 取消"},
	MsgBtnReroll:     {"🎲 Reroll", "🎲 重新生成"},
	MsgBtnTryAgain:   {"🔄 Try again", "🔄 重试"},
	MsgButtonExpired: {"This button is no longer available. Please send /imagine again.", "此按钮已失效，请重新发送 /imagine。"},
	MsgQueueEmpty:    {"You have no requests waiting or running. Jobs waiting in all: %d.", "你没有正在排队或生成中的请求。队列中共有 %d 个任务在等待。"},
	MsgQueueMine:     {"Your requests (jobs waiting in all: %d):", "你的请求（队列中共有 %d 个任务在等待）："},
	MsgQueueRunning:  {"• running: %s", "• 生成中：%s"},
	MsgQueueWaiting:  {"• position %d: %s", "• 第 %d 位：%s"},

	MsgRestarting:       {"The bot is restarting. Your request keeps its place and goes on after the restart.", "机器人正在重启。你的请求会保留排队位置，重启后继续。"},
	MsgRestartingRerun:  {"The bot is restarting before this image was finished. It will be made again after the restart.", "机器人在这张图片完成前重启了。重启后会重新生成。"},
	MsgRestarted:        {"The bot restarted; your request kept its place.", "机器人已重启，你的请求保留了排队位置。"},
	MsgRestartedRerun:   {"The bot restarted while making this image, so it is being made again.", "机器人在生成这张图片时重启了，正在重新生成。"},
	MsgResultExpired:    {"This result is no longer kept (results are kept for %d days), so its buttons have expired. Please send /imagine again.", "这个结果已不再保留（结果保留 %d 天），按钮已失效。请重新发送 /imagine。"},
	MsgImageGone:        {"The original file of this image is no longer kept; 🎲 Reroll still works.", "这张图片的原始文件已不再保留；🎲 重新生成仍然可用。"},
	MsgQuota:            {"You have made your %d images for today. The quota resets at %s UTC, in %s.", "你今天的 %d 张图片额度已用完。额度将在 UTC 时间 %s 重置（%s 后）。"},
	MsgQuotaLeft:        {"Images left today: %d of %d (resets at 00:00 UTC).", "今日剩余图片额度：%d / %d（UTC 00:00 重置）。"},
	MsgBadLanguage:      {"There is no language %q. Choose en, zh or auto.", "没有 %q 这种语言。可选 en、zh 或 auto。"},
	MsgBadSetting:       {"I did not understand %q. Example: /settings --ar 16:9 --steps 30 --hr on --lang zh, or /settings reset.", "无法理解 %q。示例：/settings --ar 16:9 --steps 30 --hr on --lang zh，或 /settings reset。"},
	MsgUnknownSetting:   {"Unknown setting %s. Settings are --ar, --size, --steps, --style, --no, --hr and --lang.", "未知设置 %s。可用设置：--ar、--size、--steps、--style、--no、--hr、--lang。"},
	MsgCmdSettings:      {"Your defaults: size, steps, style, negative terms, hires, language", "你的默认设置：尺寸、步数、风格、反向提示词、高清修复、语言"},
	MsgCmdHistory:       {"Your last 10 results, to run again", "你最近的 10 个结果，可再次生成"},
	MsgSettingsTitle:    {"Your settings (options in a request win over them):", "你的设置（请求中的选项优先）："},
	MsgSettingsSize:     {"Size: %s", "尺寸：%s"},
	MsgSettingsSteps:    {"Steps: %s", "步数：%s"},
	MsgSettingsStyle:    {"Style: %s", "风格：%s"},
	MsgSettingsNegative: {"Negative terms: %s", "反向提示词：%s"},
	MsgSettingsHires:    {"Hires fix: %s", "高清修复：%s"},
	MsgSettingsLanguage: {"Language: %s", "语言：%s"},
	MsgSettingsDefault:  {"default", "默认"},
	MsgSettingsOn:       {"on", "开"},
	MsgSettingsOff:      {"off", "关"},
	MsgSettingsSaved:    {"Saved.", "已保存。"},
	MsgSettingsHelp:     {"Change them with the buttons, or type e.g. /settings --ar 16:9 --steps 30 --style NAME --no blurry --hr on --lang zh (the value default clears one; /settings reset clears all).", "可用按钮修改，或输入例如 /settings --ar 16:9 --steps 30 --style 名称 --no blurry --hr on --lang zh（值 default 清除单项；/settings reset 清除全部）。"},
	MsgHistoryEmpty:     {"You have no results yet.", "你还没有任何结果。"},
	MsgHistoryTitle:     {"Your last %d results:", "你最近的 %d 个结果："},
	MsgHistoryItem:      {"%d. %s (seed %d, %s, %s, %s)", "%d. %s（种子 %d，%s，%s，%s）"},
	MsgBtnRunAgain:      {"🔁 %d", "🔁 %d"},
	MsgNoBackend:        {"No image server answers right now. Your request keeps its place and runs as soon as one is back.", "目前没有可用的图像服务器。你的请求会保留排队位置，服务器恢复后立即生成。"},

	MsgInputGone:          {"The picture this request started from is no longer kept; please send it again.", "这个请求所用的图片已不再保留，请重新发送图片。"},
	MsgInputNotImage:      {"That file is not an image I can read; please send a PNG, JPEG or WebP picture.", "无法识别该文件为图片，请发送 PNG、JPEG 或 WebP 图片。"},
	MsgInputTooBig:        {"That picture is too large (%s); the most I take is %s.", "图片太大（%s），最大支持 %s。"},
	MsgInputTooManyPixels: {"That picture is too large (%d×%d pixels); the most I take is %d megapixels.", "图片尺寸太大（%d×%d 像素），最多支持 %d 百万像素。"},
	MsgInputAnimated:      {"Animated pictures can't be used; please send a still PNG, JPEG or WebP picture.", "不支持动图，请发送静态的 PNG、JPEG 或 WebP 图片。"},
	MsgInputFormat:        {"%s pictures can't be used; please send a PNG, JPEG or WebP picture.", "不支持 %s 格式的图片，请发送 PNG、JPEG 或 WebP 图片。"},
	MsgStrengthNoImage:    {"--strength works only when you start from a picture.", "--strength 仅在以图片为起点时可用。"},
	MsgKindImg2Img:        {"🖼 Started from your image · strength %g", "🖼 以你的图片为起点 · 强度 %g"},
	MsgKindUpscale:        {"⬆ Upscaled ×%g", "⬆ 放大 ×%g"},
	MsgKindVary:           {"🎨 Variation of seed %d", "🎨 种子 %d 的变体"},
	MsgHelpImage:          {"Start from a picture: send it with /imagine PROMPT. --strength 0.1–1 (default %g) says how much it may change. Under results, ⬆ Upscale enlarges one image (×%g) and 🎨 Vary makes variations of it.", "以图片为起点：发送图片并附上 /imagine 提示词。--strength 0.1–1（默认 %g）决定改变的程度。结果下方的 ⬆ 放大 可将单张图片放大（×%g），🎨 变体 可生成相似的图片。"},
	MsgUpscaleUnsupported: {"This image server cannot upscale images (it has no upscale models).", "该图片服务器无法放大图片（没有放大模型）。"},
	MsgUpscalerMissing:    {"This image server has no upscaler called %q; an admin can set defaults.upscaler to one it has.", "该图片服务器没有名为 %q 的放大模型，管理员可将 defaults.upscaler 设为服务器已有的模型。"},
	MsgImg2ImgUnsupported: {"This image server cannot start from a picture.", "该图片服务器无法以图片为起点生成。"},
	MsgVaryUnsupported:    {"This image server cannot make variations.", "该图片服务器无法生成变体。"},
	MsgUpscaleTooLarge: {"That image is too large to enlarge: %d×%d pixels would become %d×%d; the most I make is %d megapixels.",
		"这张图片太大，无法放大：%d×%d 像素会变成 %d×%d；最多支持 %d 百万像素。"},
}

// Lang is a language of the catalogue.
type Lang int

// The catalogue's languages.
const (
	English Lang = iota
	Chinese
)

// LangOf picks the language for a locale: any "zh…" locale is Chinese,
// everything else English.
func LangOf(locale string) Lang {
	if strings.HasPrefix(strings.ToLower(locale), "zh") {
		return Chinese
	}
	return English
}

// T renders message id in the language of locale with args.
func T(locale string, id MsgID, args ...any) string {
	if id < 0 || id >= numMsgs {
		return fmt.Sprintf("!(message %d)", int(id))
	}
	return catalogue[id].In(locale, args...)
}
