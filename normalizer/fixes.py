"""Our corrections on top of OpenCC, as data: what t2s gets wrong in news.

OpenCC's t2s has no entry for 著 at all, so every 著 that stands for the particle
着 survives (帶著→带著, 著眼, 摸得著). Taiwan and Hong Kong text writes 著 for both
words. The rules, checked on the simplified output:

* a word that really is 著 in simplified Chinese is kept (:data:`ZHU_WORDS`:
  显著, 著名, 著作 …);
* on a line converted from traditional, every other 著 becomes 着;
* on a line already in simplified script only known particle uses change
  (:data:`ZHE_BEFORE`, :data:`ZHE_WORDS`: 他带著孩子 → 他带着孩子), so simplified
  text that writes 著 on purpose is left alone;
* a 著 word that is itself a predicate (:data:`ZHU_PREDICATES`: 著有, "has
  written") needs a subject before it: directly after a verb (the verb class of
  :func:`normalizer.charsets.verbs`) 著 is the particle and 有 the next word
  (看著有點累, 聽著有道理). Words such as 著名 and 著作 are often the object of a
  verb (邀請著名學者, 出版著作) and keep 著 after one;
* a word that ends in 著 (大著, 论著, 合著) is no word where a verb ends at its
  first character (扩大著, 讨论著, 融合著: :func:`normalizer.charsets.verbs_before_zhu`)
  and no 著 word begins at 著 (翻譯著作 is "translate works");
* 著 before a book title (:data:`BYLINE_AFTER`: 菡子著《重逢日子》, 高成著的《…》) is
  "written by", unless a verb comes before it (看著《紅樓夢》: reading it).

Variant forms OpenCC leaves (see also :func:`normalizer.charsets.variant_words`):
a word-level variant that conversion character by character produces but mainland
text never writes (:data:`VARIANT_WORDS`: 甚麼 → 甚么, written 什么).

Small-form punctuation (Big5 gateways turn ； into ﹔) maps to the fullwidth forms
mainland text uses (:data:`SMALL_FORMS`). Spam mirrors also leave numeric HTML
entities, often without their ``&`` (``#xff1a;`` for ：); those that stand for
punctuation (:data:`ENTITY_TARGETS`) are decoded. Other entities are left alone.
"""

from __future__ import annotations

#: Words in which simplified Chinese writes 著 (zhù), in simplified characters.
#: Not 执著: today's standard form is 执着 (People's Daily 1998 still wrote 执著, and
#: on simplified lines that is left as written).
ZHU_WORDS = (
    "显著 卓著 昭著 名著 专著 论著 巨著 原著 土著 编著 合著 新著 遗著 译著 拙著 所著 大著 撰著 力著 "
    "鸿著 杰著 旧著 近著 著名 著作 著称 著述 著书立说 著录 著者 著有 著译"
).split()

#: Characters before 著 that make it the particle 着 even in simplified text.
ZHE_BEFORE = frozenset(
    "带领随沿接味跟朝向顺凭靠对为有含穿衣沉附紧看听拿想笑说走站坐躺等盯望抱背骑"
    "开关放摆挂写唱哭活醒忙闹藏守绕临挥历响表志征现满担负持行化斗力得"
)

#: Words that start with the particle 着 (zháo/zhuó), in simplified characters.
ZHE_WORDS = "著急 著手 著想 著重 著落 著陆 著迷 著火 著凉 著实 著力 著装 著眼 著色 著意 著墨 著笔".split()

ZHE_FROM, ZHE_TO = "著", "着"

#: How the fix stage reads 著 (a regular expression): a 著 word, longest first, else a
#: lone 著. Only a 著 matched alone may become 着; one inside a matched word never does.
ZHU_SCAN = "|".join(sorted(ZHU_WORDS, key=len, reverse=True)) + "|" + ZHE_FROM

#: 著 words that are a predicate and need a subject: after a verb, 著 is the particle.
ZHU_PREDICATES = ("著有",)

#: What follows 著 in a byline ("written by"): a book title, directly or after 的.
BYLINE_AFTER = ("《", "的《")

#: Word-level variants (异形词) that OpenCC writes and mainland text does not: the
#: 现代汉语词典 gives 甚么 as a variant of 什么 (Taiwan and Hong Kong write 甚麼).
VARIANT_WORDS = {"甚么": "什么", "甚麽": "什么"}

SMALL_FORMS = {
    "\ufe50": "，",  # ﹐
    "\ufe51": "、",  # ﹑
    "\ufe54": "；",  # ﹔
    "\ufe55": "：",  # ﹕
    "\ufe56": "？",  # ﹖
    "\ufe57": "！",  # ﹗
}

#: A numeric HTML entity, ``&`` optional (``#xff1a;``, ``&#65306;``), as a regular
#: expression: group 1 holds hexadecimal digits, group 2 decimal ones.
ENTITY_PATTERN = r"&?#(?:[xX]([0-9a-fA-F]{2,5})|([0-9]{2,6}));"

#: Unicode ranges a numeric entity may decode to: general and CJK punctuation,
#: fullwidth forms. Anything else (letters, markup characters) stays as written.
ENTITY_TARGETS = ((0x2010, 0x206F), (0x3000, 0x303F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))
