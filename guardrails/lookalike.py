"""Look-alikes of the brand's official domains: ``brand.exarnple/status``, ``bra-nd.example``,
``brandvvorks.example``, ``brand.exampel``.

A host that is written like an official host but is not one is a phishing pattern, whatever its top-level domain
(``exarnple`` is no TLD, so the link detector does not see it as a link at all). Hosts are compared by their
*skeleton*: lower case, NFKC, the letters that look alike in most fonts folded together (``rn``→``m``, ``vv``→``w``,
``0``→``o``, ``1``/``I``→``l``, …) and hyphens dropped; a host whose skeleton equals an official host's, or is one
edit away from it (a swapped, missing or extra letter), and that is not the official host itself, is a look-alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# a host-like token, with an optional path: two to five labels of letters, digits and hyphens
HOST_RX = re.compile(r"(?<![\w.@/-])((?:[^\W_][\w-]{0,62}\.){1,4}[^\W\d_][\w-]{1,62})(?![\w@-])(/[^\s<>\"')\]]*)?")
_FOLD = [("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("i", "l"), ("3", "e"), ("5", "s"),
         ("-", ""), ("_", "")]
MIN_LENGTH = 6  # shorter hosts are too close to too many words for "one edit away"


def skeleton(host: str) -> str:
    s = unicodedata.normalize("NFKC", host).lower()
    for a, b in _FOLD:
        s = s.replace(a, b)
    return s


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one substitution, insertion, deletion or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long_, strict=False)) if x != y), len(short))
    return short[i:] == long_[i + 1:]


@lru_cache(maxsize=64)
def _skeletons(official: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((h.lower(), skeleton(h)) for h in official if len(skeleton(h)) >= MIN_LENGTH)


def lookalikes(text: str, official: Iterable[str]) -> list[tuple[int, int, str]]:
    """(start, end, host) of every host in ``text`` that imitates one of the ``official`` hosts."""
    hosts = _skeletons(tuple(sorted(set(official))))
    if not hosts:
        return []
    out = []
    for m in HOST_RX.finditer(text):
        host = m.group(1).lower().rstrip(".")
        if any(host == h or host.endswith("." + h) for h, _ in hosts):
            continue  # the official host or one of its subdomains
        sk = skeleton(host)
        if any(sk == s or _one_edit(sk, s) for _, s in hosts):
            out.append((m.start(), m.start() + len(m.group(0).rstrip(".,!?:;")), host))
    return out


def official_hosts(urls: Iterable[str], patterns: Iterable[str] = ()) -> list[str]:
    """The hosts of the brand's official URLs and of plain allowed-URL patterns (``brand\\.example(/…)?``)."""
    out = []
    for u in urls:
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", u.strip(), flags=re.I).split("/")[0]
        if host:
            out.append(host.lower())
    for p in patterns:
        m = re.match(r"^(?:\(\?:https\?://\)\?)?(?:\(\?:www\\\.\)\?)?((?:[\w-]+\\\.)+[\w-]+)", p)
        if m:
            out.append(m.group(1).replace("\\.", ".").lower())
    return list(dict.fromkeys(out))
