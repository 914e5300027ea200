package telegram

import "github.com/imaginebot/imaginebot/internal/catalog"

// texts are the sentences only the Telegram front end says, in English and
// Simplified Chinese; the shared ones are in internal/catalog.
// help's %d are the largest width and height, the most steps and the
// largest batch (see frontend.HelpText); imageNotSent is said with one of
// the send* reasons when Telegram refuses a finished image.
var texts = struct {
	help, btnPNG, btnPNGN, btnPrev, btnNext, btnReset, settingsNotYours, cancelling, rerolling, tryingAgain, sendingPNG,
	modelChoose, modelListFailed, modelLoadFailed,
	imageNotSent, sendBadFile, sendTooLarge, sendNoRights, sendRefused, sendFailedNetwork,
	inputTelegramLimit, inputFetchFailed, inputLocalUnreadable, btnUpscale, btnUpscaleN, btnVary, btnVaryN, upscaling, varying catalog.Text
}{
	help: catalog.Text{EN: "I draw pictures from your words with Stable Diffusion.\n\n" +
		"Examples:\n/imagine a lighthouse at dusk, oil painting\n/imagine a red fox in fresh snow --ar 16:9\n/imagine a cozy cabin --steps 30 --seed 42 --no people\n\n" +
		"Options, anywhere in the prompt:\n--ar 16:9 · aspect ratio, from 1:4 to 4:1\n--size 768x512 · exact size, up to %dx%d\n--steps 30 · sampling steps, up to %d\n" +
		"--seed 42 · repeat an image exactly\n--no text, people · things to leave out\n--style NAME · a preset style\n--n 2 · several images at once, up to %d\n--hr · high-resolution fix\n" +
		"--model NAME · the model for this image\n--sampler \"DPM++ 2M\" · sampling method\n--scheduler Karras · noise schedule\n--cfg 7 · CFG scale, 1 to 30\n--lora NAME:0.8 · add a LoRA\n\n" +
		"Reply to any message with /imagine to use its text as the prompt. /queue shows your requests, /settings your defaults (size, steps, style, language), /history your last results. Under each image: 🎲 Reroll for a new seed, PNG for the original file.",
		ZH: "我用 Stable Diffusion 把你的文字变成图片。\n\n" +
			"示例：\n/imagine 黄昏时的灯塔，油画\n/imagine 雪地里的红狐狸 --ar 16:9\n/imagine 温馨的小木屋 --steps 30 --seed 42 --no 人物\n\n" +
			"选项（可写在提示词的任意位置）：\n--ar 16:9 · 宽高比，1:4 到 4:1\n--size 768x512 · 指定尺寸，最大 %dx%d\n--steps 30 · 采样步数，最多 %d\n" +
			"--seed 42 · 固定种子，可复现同一张图\n--no 文字, 人物 · 不想出现的内容\n--style 名称 · 预设风格\n--n 2 · 一次生成多张，最多 %d 张\n--hr · 高清修复\n" +
			"--model 名称 · 这张图片使用的模型\n--sampler \"DPM++ 2M\" · 采样方法\n--scheduler Karras · 噪声调度\n--cfg 7 · CFG 值，1 到 30\n--lora 名称:0.8 · 添加 LoRA\n\n" +
			"回复任意消息并发送 /imagine，即可用该消息的文字作为提示词。/queue 查看你的请求，/settings 设置你的默认选项（尺寸、步数、风格、语言），/history 查看你最近的结果。每张图片下方：🎲 重新生成（换一个种子），PNG 获取原图文件。"},
	btnPNG:            catalog.Text{EN: "📄 PNG", ZH: "📄 PNG 原图"},
	btnPNGN:           catalog.Text{EN: "📄 PNG %d", ZH: "📄 PNG 原图 %d"},
	btnReset:          catalog.Text{EN: "↺ Reset all", ZH: "↺ 全部重置"},
	settingsNotYours:  catalog.Text{EN: "These are someone else's settings. Send /settings to change yours.", ZH: "这是别人的设置。发送 /settings 修改你自己的设置。"},
	btnPrev:           catalog.Text{EN: "‹ Previous", ZH: "‹ 上一页"},
	btnNext:           catalog.Text{EN: "Next ›", ZH: "下一页 ›"},
	cancelling:        catalog.Text{EN: "Cancelling…", ZH: "正在取消…"},
	rerolling:         catalog.Text{EN: "Rerolling with a new seed…", ZH: "正在用新的种子重新生成…"},
	tryingAgain:       catalog.Text{EN: "Trying again with the same seed…", ZH: "正在用相同的种子重试…"},
	sendingPNG:        catalog.Text{EN: "Sending the PNG…", ZH: "正在发送 PNG 原图…"},
	modelChoose:       catalog.Text{EN: "Tap a model to switch to it (page %d of %d).", ZH: "点击模型即可切换（第 %d/%d 页）。"},
	modelListFailed:   catalog.Text{EN: "Could not list the models: %s", ZH: "无法获取模型列表：%s"},
	modelLoadFailed:   catalog.Text{EN: "The server could not load %s.", ZH: "服务器无法加载 %s。"},
	imageNotSent:      catalog.Text{EN: "Your image is ready, but it could not be sent here: %s", ZH: "图片已生成，但无法发送到这里：%s"},
	sendBadFile:       catalog.Text{EN: "the image file was empty or damaged. Try 🎲 Reroll.", ZH: "图片文件为空或已损坏。请点 🎲 重新生成 再试。"},
	sendTooLarge:      catalog.Text{EN: "the image is too large.", ZH: "图片太大了。"},
	sendNoRights:      catalog.Text{EN: "the bot may not send pictures in this chat.", ZH: "机器人无权在此聊天中发送图片。"},
	sendRefused:       catalog.Text{EN: "the messenger refused it (error %d).", ZH: "消息平台拒绝了它（错误 %d）。"},
	sendFailedNetwork: catalog.Text{EN: "the messenger could not be reached.", ZH: "无法连接到消息平台。"},
	inputTelegramLimit: catalog.Text{EN: "That file is over 20 MB, the most Telegram lets a bot download; please send a smaller picture (as a photo, Telegram makes it smaller for you).",
		ZH: "该文件超过 20 MB，这是 Telegram 允许机器人下载的上限；请发送更小的图片（以照片方式发送时，Telegram 会自动压缩）。"},
	inputFetchFailed: catalog.Text{EN: "I could not fetch your picture from Telegram; please try again in a moment.", ZH: "无法从 Telegram 获取你的图片，请稍后再试。"},
	inputLocalUnreadable: catalog.Text{EN: "I can't fetch pictures from Telegram right now: the bot is not set up to read them. The operator can see why in the log; you can still /imagine from words alone.",
		ZH: "目前无法从 Telegram 获取图片：机器人的配置无法读取图片。管理员可以在日志中看到原因；你仍然可以只用文字使用 /imagine。"},
	btnUpscale:  catalog.Text{EN: "⬆ Upscale", ZH: "⬆ 放大"},
	btnUpscaleN: catalog.Text{EN: "⬆%d", ZH: "⬆%d"},
	btnVary:     catalog.Text{EN: "🎨 Vary", ZH: "🎨 变体"},
	btnVaryN:    catalog.Text{EN: "🎨%d", ZH: "🎨%d"},
	upscaling:   catalog.Text{EN: "Upscaling this image…", ZH: "正在放大这张图片…"},
	varying:     catalog.Text{EN: "Making variations of this image…", ZH: "正在生成这张图片的变体…"},
}
