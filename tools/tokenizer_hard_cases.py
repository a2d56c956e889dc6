"""The generated hard cases of tokenizer_cases.py: texts that exercise each step of BERT's tokenizer
(cleaning, whitespace, CJK, lower-casing, accent stripping, punctuation, word length, truncation).

hard_cases() returns dicts with name and text, and for an encoding with [CLS]/[SEP]/[PAD] max_len
(and pair for a sentence pair); without max_len the case is the word pieces alone.
"""
import unicodedata

PANGRAM = "The quick brown fox jumps over the lazy dog while five boxing wizards jump quickly."

TEXTS = {
    "empty": "",
    "whitespace only": " \t\r\n\u00a0\u3000 ",
    "control only": "\x00\x01\x7f\u200b\ufeff",
    "accents precomposed": "Café Ångström naïve façade Øresund Łódź São Paulo Dvořák Ærøskøbing Ðakovo",
    "accents combining": unicodedata.normalize("NFD", "Café Ångström naïve façade São Paulo Dvořák Ελληνικά"),
    "accents stacked and stray": "e\u0301\u0308 \u0301abc x\u0327\u0301y .\u0301 \u0300\u0301\u0302",
    "vietnamese": "Tiếng Việt có dấu: Hà Nội, Thành phố Hồ Chí Minh, Đà Nẵng.",
    "dotted and dotless i": "İstanbul ıstanbul İİİ I\u0307 KIRIKKALE",
    "greek and sigma": "ΟΔΥΣΣΕΥΣ Ὀδυσσεύς ἄνθρωπος ΆΈΉ σοφός ΣΟΦΟΣ",
    "cyrillic": "Ёлка ЁЖИК Йогурт Москва Київ Їжак",
    "letterlike signs": "\u212a\u212b\u2126 \u2160\u216b \u1e9e STRASSE stra\u00dfe",
    "fullwidth and ligatures": "ＡＢＣ ａｂｃ １２３ ﬁne ﬂow ﬀ Ǆemal ǅemal",
    "chinese": "我爱北京天安门。今天天气很好，我们去公园散步吧！",
    "japanese": "東京都は日本の首都です。ひらがなとカタカナ、漢字を混ぜる。",
    "korean": "안녕하세요, 세계! 한국어 텍스트입니다.",
    "cjk mixed with latin": "hello世界world BERT模型2019年",
    "cjk extensions": "\U00020000\U0002a700\U0002b740\U0002b81d\U0002b820\U0002b91f\U0002b920\U0002ceaf\U0002ebe0",
    "cjk compatibility": "\uf900\uf901\uf902\uf963\uf9a8\ufa0c\ufa10\ufa5f \U0002f800\U0002f81a\U0002fa1d",
    "cjk punctuation": "「引用」『二重』【注】〈角〉《書名》・〜",
    "emoji": "I love it 😀😂🥰 👍🏽 great😀job 🇫🇷🇯🇵 ❤️ ♥ ☺ 1️⃣ #️⃣",
    "emoji zwj": "family 👨\u200d👩\u200d👧 and 🏳️\u200d🌈 flags",
    "ascii controls": "a\x00b c\x01d e\x07f g\x08h i\x0bj k\x0cl m\x1bn o\x1cp q\x1fr s\x7ft",
    "c1 controls": "a\x80b c\x85d e\x9fz",
    "format characters": "zero\u200bwidth non\u200cjoiner joi\u200dner \u2060word\u2060joiner \ufeffbom soft\u00adhyphen "
                         "\u200eltr\u200f \u061carabic \u180emongol \U000e0001tag\U000e0041",
    "private use and unassigned": "a\ue000b c\uf8ffd e\U000f0000f g\U00100000h i\u0378j k\ufffel m\uffffn "
                                  "o\U0001fffep q\U0010ffffr",
    "replacement character": "broken \ufffd text\ufffd\ufffd here",
    "odd whitespace": "a\u00a0b\u1680c\u2000d\u2002e\u2003f\u2007g\u2009h\u200ai\u202fj\u205fk\u3000l",
    "line separators": "one\u2028two\u2029three\x85four\r\nfive\n\n\tsix",
    "many spaces": "   leading    inner     trailing   ",
    "ascii punctuation": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ a!b\"c#d$e%f&g'h(i)j*k+l,m-n.o/p",
    "unicode punctuation": "“Quoted” ‘single’ «guillemets» ¿Qué? ¡Sí! wait… em—dash en–dash ‹›‐‑‒―§¶†‡•",
    "symbols": "±×÷ €£¥₹ ©®™ °C ½¼ x² ≤≥≠ ∑∫√ → ⇒ ★☆",
    "numbers": "3.14159 1,000,000 2nd 10th 1e-5 0x1F -42 +7 99.9% 12:30",
    "apostrophes and urls": "don't can't it's O'Neill rock'n'roll https://huggingface.co/models?search=bert#top",
    "special token literals": "[CLS] hello [SEP] world [PAD] [MASK] [UNK] [cls] x[SEP]y",
    "word of 100 characters": "a" * 100,
    "word of 101 characters": "a" * 101 + " after",
    "word of 100 accented characters": "é" * 100 + " " + "é" * 101,
    "word of 100 with combining marks": "e\u0301" * 100,
    "long word then punctuation": "b" * 150 + ".end",
    "long hangul word": "가" * 40 + " " + "가" * 30,
    "long word split by cjk": "a" * 80 + "中" + "a" * 80,
    "long hex hash": "sha256:" + "0123456789abcdef" * 8,
    "long url": "https://example.com/" + "path/" * 30 + "index.html",
}

LONG_TEXT = " ".join([PANGRAM] * 120)


def plain_letter(c):
    """A caseless letter without a decomposition, such as a CJK ideograph."""
    return unicodedata.category(c) == "Lo" and unicodedata.normalize("NFD", c) == c


def code_point_sweep():
    """The code points of planes 0 to 3, 14 and a private use block, 256 a case, each alone and after a
    letter: the character tables and mappings in bulk. Blocks of plain letters alone (most are CJK
    ideographs) keep every 16th code point and their last; blocks of unassigned code points are left out."""
    cases = []
    for block in [*range(0x0000, 0x32000, 0x100), 0xE0000, 0xE0100, 0xF0000]:
        points = [c for c in range(block, block + 0x100) if not 0xD800 <= c <= 0xDFFF]
        categories = {unicodedata.category(chr(c)) for c in points}
        if categories == {"Cn"}:
            continue
        if all(plain_letter(chr(c)) for c in points):
            points = points[::16] + points[-1:]
        text = " ".join(f"{chr(c)} x{chr(c)}" for c in points)
        cases.append({"name": f"code points U+{block:04X}..U+{block + 0xFF:04X}", "text": text})
    return cases


def hard_cases():
    cases = [{"name": name, "text": text} for name, text in TEXTS.items()]
    cases += code_point_sweep()
    for max_len in (32, 128):
        cases.append({"name": f"long text max_len {max_len}", "text": LONG_TEXT, "max_len": max_len})
        cases.append({"name": f"cjk text max_len {max_len}", "text": TEXTS["chinese"] * 20, "max_len": max_len})
        cases.append({"name": f"long pair max_len {max_len}", "text": LONG_TEXT, "pair": PANGRAM * 3,
                      "max_len": max_len})
        cases.append({"name": f"short first long second max_len {max_len}", "text": "short", "pair": LONG_TEXT,
                      "max_len": max_len})
        cases.append({"name": f"empty second max_len {max_len}", "text": LONG_TEXT, "pair": "", "max_len": max_len})
    for pieces in (29, 30, 31):  # around max_len 32's budget of 30
        cases.append({"name": f"{pieces} pieces max_len 32", "text": " ".join(["word"] * pieces), "max_len": 32})
    for first, second in ((14, 14), (15, 15), (16, 14), (14, 16), (20, 11), (11, 20), (40, 3)):
        cases.append({"name": f"pair of {first} and {second} pieces max_len 32", "text": " ".join(["one"] * first),
                      "pair": " ".join(["two"] * second), "max_len": 32})
    cases.append({"name": "hard texts as pairs max_len 128", "text": TEXTS["accents combining"],
                  "pair": TEXTS["emoji"], "max_len": 128})
    return cases
