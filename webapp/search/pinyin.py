"""Pinyin for search: the syllables of a Chinese text, and a typed latin word cut into syllables.

`syllables(text)` reads a run of Chinese characters with pypinyin (tone marks dropped, ü as v, the
way phone keyboards type it), one syllable per character, words read as words (重庆 chong qing).
`segment(word)` cuts what a buyer typed ("qicheng", "chengz") into syllables from SYLLABLES,
longest first with backtracking; the last piece may be the start of a syllable, so a search
typed letter by letter keeps finding what it will find when complete. None when the word is not
pinyin ("orange" is: o ran ge; "apple" is not).
"""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Every syllable pypinyin writes (its dictionary, tones dropped), less the interjections m, n,
# ng, hm and hng, which would let almost any word read as pinyin.
SYLLABLES = frozenset("""
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu ca cai
    can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai
    chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di
    dia dian diao die din ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng
    fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha
    hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao
    jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan
    kuang kui kun kuo la lai lan lang lao le lei len leng li lia lian liang liao lie lin ling liu lo
    long lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo
    mou mu na nai nan nang nao ne nei nen neng ni nia nian niang niao nie nin ning niu nong nou nu nuan
    nun nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian
    qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan
    rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi shou
    shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te
    tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong wu
    xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong
    you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng
    zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
""".split())
PREFIXES = frozenset(s[:n] for s in SYLLABLES for n in range(1, len(s) + 1))
LONGEST = max(map(len, SYLLABLES))
MAX_WORD = 40  # letters; longer is no pinyin anyone types, and bounds the backtracking


def syllables(han: str) -> list[str]:
    """One syllable per character of `han` (a run of Chinese characters)."""
    return [s.replace("ü", "v") for s in lazy_pinyin(han, style=Style.NORMAL, v_to_u=False)]


def initials(han: str) -> list[str]:
    """The first letter of each character's syllable (zh, ch, sh as z, c, s, as typed)."""
    return [s[:1] for s in syllables(han)]


@lru_cache(maxsize=1024)
def segment(word: str) -> tuple[str, ...] | None:
    """`word` (lower-case letters) as syllables, the last possibly unfinished; None if it is not
    pinyin."""
    if not word or len(word) > MAX_WORD or not (word.isascii() and word.isalpha()):
        return None
    return _cut(word)


@lru_cache(maxsize=4096)  # memoised: each tail is cut once, so the backtracking stays linear
def _cut(rest: str) -> tuple[str, ...] | None:
    if rest in PREFIXES:
        return (rest,)
    for size in range(min(LONGEST, len(rest) - 1), 0, -1):
        head = rest[:size]
        if head in SYLLABLES and (tail := _cut(rest[size:])) is not None:
            return (head, *tail)
    return None
