package discord

import "github.com/imaginebot/imaginebot/internal/catalog"

// texts are the sentences only the Discord adapter uses: command option
// descriptions, its /help introduction, the Upscale labels and what it
// says when Discord will not take a result. The sentences every front end
// shares are in internal/catalog.
var texts = struct {
	OptPrompt, OptNegative, OptAspect, OptSteps, OptSeed, OptStyle, OptCount, OptHires, OptModel catalog.Text // option descriptions
	OptPickModel, OptSampler, OptScheduler, OptCFG, OptLora                                      catalog.Text // /imagine's model options
	Help, UnknownCommand, BadAspect, NoModels                                                    catalog.Text // answers to commands
	SetAspect, SetSize, SetSteps, SetStyle, SetNegative, SetHires, SetLanguage, SetReset         catalog.Text // /settings' options
	SettingsHowTo                                                                                catalog.Text // under the settings
	BtnUpscale, BtnUpscaleN, MayNotDeliver                                                       catalog.Text // the job message
	NotAttached, NoAttachPermission, TooLarge, UploadRefused, SentByDM, DMResult                 catalog.Text // a refused upload
	OptImage, OptStrength, HelpImage, BtnVary, BtnVaryN                                          catalog.Text // starting from a picture
	FromImage, ModalTitle, ModalPrompt, ModalStrength, NoImageInMessage, FormExpired             catalog.Text // "Imagine from this image"
	ForeignImage, DownloadFailed, TooBigRead                                                     catalog.Text // a picture that cannot be used
}{
	OptImage:    catalog.Text{EN: "A picture to start from (PNG, JPEG or WebP)", ZH: "作为起点的图片（PNG、JPEG 或 WebP）"},
	OptStrength: catalog.Text{EN: "How much the picture may change, 0–1 (0: the default)", ZH: "图片可被改变的程度，0–1（0 表示默认值）"},
	HelpImage: catalog.Text{EN: "On Discord: put the picture in /imagine's image field, or open a message's menu → Apps → Imagine from this image.",
		ZH: "在 Discord 中：把图片放进 /imagine 的 image 字段，或打开某条消息的菜单 → 应用 → 以此图片生成。"},
	BtnVary:          catalog.Text{EN: "🎨 Vary", ZH: "🎨 变体"},
	BtnVaryN:         catalog.Text{EN: "🎨 Vary %d", ZH: "🎨 变体 %d"},
	FromImage:        catalog.Text{EN: "Imagine from this image", ZH: "以此图片生成"},
	ModalTitle:       catalog.Text{EN: "Imagine from this image", ZH: "以此图片生成"},
	ModalPrompt:      catalog.Text{EN: "What to make of it", ZH: "想把它变成什么"},
	ModalStrength:    catalog.Text{EN: "Strength, 0–1 (how much it may change)", ZH: "强度，0–1（可改变的程度）"},
	NoImageInMessage: catalog.Text{EN: "That message has no picture I can start from.", ZH: "那条消息中没有可用作起点的图片。"},
	FormExpired:      catalog.Text{EN: "This form has expired; please use Imagine from this image again.", ZH: "此表单已过期，请重新使用“以此图片生成”。"},
	ForeignImage:     catalog.Text{EN: "I can only use pictures uploaded to Discord.", ZH: "我只能使用上传到 Discord 的图片。"},
	DownloadFailed:   catalog.Text{EN: "I could not download that picture from Discord; please try again.", ZH: "无法从 Discord 下载该图片，请重试。"},
	TooBigRead:       catalog.Text{EN: "That picture is too large; the most I take is %s.", ZH: "图片太大，最大支持 %s。"},
	OptPrompt:        catalog.Text{EN: "What to draw; inline options such as --ar 16:9 work too", ZH: "想画什么；也可以在其中写 --ar 16:9 等选项"},
	OptNegative:      catalog.Text{EN: "What to leave out of the image", ZH: "不希望出现在图片中的内容"},
	OptAspect:        catalog.Text{EN: "Aspect ratio (width:height)", ZH: "宽高比（宽:高）"},
	OptSteps:         catalog.Text{EN: "Sampling steps: more is slower and often finer", ZH: "采样步数：越多越慢，通常也越精细"},
	OptSeed:          catalog.Text{EN: "Seed, to repeat an image exactly (-1 = random)", ZH: "种子，用于复现同一张图（-1 表示随机）"},
	OptStyle:         catalog.Text{EN: "A preset style", ZH: "预设风格"},
	OptCount:         catalog.Text{EN: "How many images to make at once", ZH: "一次生成几张图片"},
	OptHires:         catalog.Text{EN: "High-resolution fix: a larger, more detailed image", ZH: "高清修复：更大、更精细的图片"},
	OptModel:         catalog.Text{EN: "The model to switch to; leave empty to see the current one", ZH: "要切换到的模型；留空则显示当前模型"},
	OptPickModel:     catalog.Text{EN: "The model for this image (default: the bot's current one)", ZH: "这张图片使用的模型（默认：机器人当前的模型）"},
	OptSampler:       catalog.Text{EN: "Sampling method, e.g. Euler a or DPM++ 2M", ZH: "采样方法，例如 Euler a 或 DPM++ 2M"},
	OptScheduler:     catalog.Text{EN: "Noise schedule, e.g. Karras (Flux: Simple)", ZH: "噪声调度，例如 Karras（Flux 用 Simple）"},
	OptCFG:           catalog.Text{EN: "CFG scale: how closely to follow the prompt (1–30)", ZH: "CFG 值：遵循提示词的程度（1–30）"},
	OptLora:          catalog.Text{EN: "A LoRA to add, as NAME or NAME:WEIGHT (weight 1 by default)", ZH: "要添加的 LoRA，写作 名称 或 名称:权重（默认权重 1）"},
	Help: catalog.Text{EN: "I draw pictures from your words with Stable Diffusion.\n\n" +
		"**/imagine** `prompt:` a lighthouse at dusk, oil painting\n" +
		"Fill in the fields (negative, aspect, steps, seed, style, count, hires, model, sampler, scheduler, lora, cfg, image, strength) or write options in the prompt:\n" +
		"`--ar 16:9` aspect ratio, 1:4 to 4:1 · `--size 768x512` exact size, up to %dx%d · `--steps 30` up to %d · " +
		"`--seed 42` repeat an image · `--no text, people` things to leave out · `--style NAME` · `--n 2` up to %d images · `--hr` high-resolution fix · " +
		"`--model NAME` the model · `--sampler \"DPM++ 2M\"` · `--scheduler Karras` · `--cfg 7` CFG scale, 1 to 30 · `--lora NAME:0.8` add a LoRA.\n" +
		"A field wins over the same option written in the prompt.\n\n" +
		"Buttons: ✖ Cancel (you or an admin), 🎲 Reroll with a new seed, ⬆ Upscale enlarges one image (as a reply), 🎨 Vary makes variations of one image.\n" +
		"**/queue** shows your requests. **/settings** sets your defaults, **/history** runs a recent result again. **/model** (admins) shows or switches the model.",
		ZH: "我用 Stable Diffusion 把你的文字变成图片。\n\n" +
			"**/imagine** `prompt:` 黄昏时的灯塔，油画\n" +
			"可以填写各个字段（negative、aspect、steps、seed、style、count、hires、model、sampler、scheduler、lora、cfg、image、strength），也可以把选项写在提示词里：\n" +
			"`--ar 16:9` 宽高比，1:4 到 4:1 · `--size 768x512` 指定尺寸，最大 %dx%d · `--steps 30` 最多 %d 步 · " +
			"`--seed 42` 复现同一张图 · `--no 文字, 人物` 不想出现的内容 · `--style 名称` · `--n 2` 最多 %d 张 · `--hr` 高清修复 · " +
			"`--model 名称` 模型 · `--sampler \"DPM++ 2M\"` 采样器 · `--scheduler Karras` 调度器 · `--cfg 7` CFG 值，1 到 30 · `--lora 名称:0.8` 添加 LoRA。\n" +
			"字段与提示词中的同一选项同时出现时，以字段为准。\n\n" +
			"按钮：✖ 取消（发起者或管理员）、🎲 重新生成（换一个种子）、⬆ 放大（以回复的形式放大单张图片）、🎨 变体（生成单张图片的变体）。\n" +
			"**/queue** 查看你的请求。**/settings** 设置你的默认选项，**/history** 再次生成最近的结果。**/model**（管理员）查看或切换模型。"},
	SetAspect:   catalog.Text{EN: "Your default aspect ratio (default: the bot's)", ZH: "你的默认宽高比（default 表示使用机器人的默认值）"},
	SetSize:     catalog.Text{EN: "Your default size, e.g. 768x512 (default: the bot's)", ZH: "你的默认尺寸，例如 768x512（default 表示使用机器人的默认值）"},
	SetSteps:    catalog.Text{EN: "Your default sampling steps (0: the bot's)", ZH: "你的默认采样步数（0 表示使用机器人的默认值）"},
	SetStyle:    catalog.Text{EN: "Your default style (default: none)", ZH: "你的默认风格（default 表示不使用）"},
	SetNegative: catalog.Text{EN: "Terms always left out of your images (default: none)", ZH: "始终不希望出现在图片中的内容（default 表示清除）"},
	SetHires:    catalog.Text{EN: "High-resolution fix for your images", ZH: "是否为你的图片开启高清修复"},
	SetLanguage: catalog.Text{EN: "The language I answer you in (auto: your Discord language)", ZH: "我回复你时使用的语言（auto 表示跟随 Discord 语言）"},
	SetReset:    catalog.Text{EN: "Clear all your settings first", ZH: "先清除你的全部设置"},
	SettingsHowTo: catalog.Text{EN: "Change them with the options of /settings: the value default clears one, reset clears them all.",
		ZH: "使用 /settings 的选项修改：值 default 清除单项，reset 清除全部。"},
	BtnUpscale:         catalog.Text{EN: "⬆ Upscale", ZH: "⬆ 放大"},
	BtnUpscaleN:        catalog.Text{EN: "⬆ Upscale %d", ZH: "⬆ 放大 %d"},
	MayNotDeliver:      catalog.Text{EN: "Note: in this chat I can only update this message for 15 minutes after your command. If the image takes longer, I cannot deliver it.", ZH: "注意：在这个聊天中，我只能在你发出命令后的 15 分钟内更新这条消息。如果图片生成时间更长，将无法送达。"},
	UnknownCommand:     catalog.Text{EN: "This command is no longer available.", ZH: "此命令已不可用。"},
	NotAttached:        catalog.Text{EN: "Your image is ready, but I could not attach it here: %s", ZH: "图片已生成，但我无法在这里附上它：%s"},
	NoAttachPermission: catalog.Text{EN: "I lack the Attach Files permission in this channel.", ZH: "我在这个频道没有“附加文件”权限。"},
	TooLarge:           catalog.Text{EN: "it is larger than this channel accepts.", ZH: "它超过了这个频道允许的文件大小。"},
	UploadRefused:      catalog.Text{EN: "Discord refused the upload (%s).", ZH: "Discord 拒绝了上传（%s）。"},
	SentByDM:           catalog.Text{EN: "I sent it to you in a direct message.", ZH: "我已通过私信发给你。"},
	DMResult:           catalog.Text{EN: "Your image (it could not be attached in the channel):", ZH: "你的图片（无法在频道中附上）："},
	BadAspect:          catalog.Text{EN: "aspect needs a ratio like 16:9, got %q.", ZH: "aspect 需要类似 16:9 的比例，收到的是 %q。"},
	NoModels:           catalog.Text{EN: "There is no model called %q: the image server lists no models.", ZH: "没有名为 %q 的模型：图片服务器没有列出任何模型。"},
}
