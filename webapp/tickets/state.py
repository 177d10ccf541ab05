"""A print's statuses and the moves between them: queued, then printed or failed, once."""
from __future__ import annotations

from webapp.i18n import N_

QUEUED, PRINTED, FAILED = "queued", "printed", "failed"
MOVES = {QUEUED: frozenset({PRINTED, FAILED})}
LABELS = {QUEUED: N_("正在打印…"), PRINTED: N_("已打印"), FAILED: N_("打印失败")}
# Why a print failed (ticket_print.error), worded when shown.
ERRORS = {
    "refused": N_("打印机拒绝连接：请检查它是否开机、地址和端口是否正确。"),
    "timeout": N_("打印机没有响应：请检查它是否开机、是否和服务器在同一网络。"),
    "unresolved": N_("找不到打印机地址：请检查主机名。"),
    "blocked": N_("这个地址或端口不能用作打印机。"),
    "failed": N_("打印失败，请稍后再试。"),
}


class IllegalMove(Exception):
    pass


def move(current: str, target: str) -> str:
    """`target` if a print may go there from `current`."""
    if target not in MOVES.get(current, frozenset()):
        raise IllegalMove(f"{current} -> {target}")
    return target
