"""External tools' English errors, told in Chinese (the original kept after it).

rsync, ssh and the OS speak English ("No space left on device (28)"); an
operator reading a Chinese message should not have to guess. The common
causes are translated, and the original text follows so nothing is lost.
"""
from __future__ import annotations

import errno

# (fragment of the English text, Chinese explanation); the first match wins.
PHRASES = [
    ("No space left on device", "磁盘空间不足"),
    ("Disk quota exceeded", "超出磁盘配额"),
    ("Read-only file system", "文件系统只读"),
    ("Permission denied (publickey", "SSH 公钥认证被拒绝：部署账号的密钥不被服务器接受"),
    ("Host key verification failed", "SSH 主机密钥校验失败：known_hosts 中没有该服务器或密钥不符"),
    ("REMOTE HOST IDENTIFICATION HAS CHANGED", "SSH 主机密钥已改变：可能遭到中间人攻击，或服务器重装后未更新 known_hosts"),
    ("Could not resolve hostname", "无法解析主机名"),
    ("Name or service not known", "无法解析主机名"),
    ("Connection refused", "连接被拒绝：服务器未运行 SSH 服务或端口不对"),
    ("Connection timed out", "连接超时"),
    ("Operation timed out", "连接超时"),
    ("No route to host", "无法连接到主机（无路由）"),
    ("Network is unreachable", "网络不可达"),
    ("Connection reset by peer", "连接被对方重置"),
    ("Broken pipe", "连接中断"),
    ("connection unexpectedly closed", "连接意外中断"),
    ("Permission denied", "权限不足"),
    ("Operation not permitted", "操作不被允许"),
    ("No such file or directory", "文件或目录不存在"),
    ("command not found", "找不到命令"),
    ("Not a directory", "不是目录"),
    ("Is a directory", "是目录"),
    ("File exists", "文件已存在"),
    ("Directory not empty", "目录非空"),
    ("Too many open files", "打开的文件过多"),
    ("Input/output error", "磁盘读写错误"),
    ("Cannot allocate memory", "内存不足"),
    ("File name too long", "文件名过长"),
]

ERRNO = {
    errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EROFS: "文件系统只读",
    errno.EACCES: "权限不足", errno.EPERM: "操作不被允许", errno.ENOENT: "文件或目录不存在",
    errno.ENOTDIR: "不是目录", errno.EISDIR: "是目录", errno.EEXIST: "文件已存在",
    errno.ENOTEMPTY: "目录非空", errno.EMFILE: "打开的文件过多", errno.EIO: "磁盘读写错误",
    errno.ENOMEM: "内存不足", errno.ENAMETOOLONG: "文件名过长", errno.ELOOP: "符号链接层数过多",
    errno.ECONNREFUSED: "连接被拒绝", errno.ETIMEDOUT: "连接超时", errno.EHOSTUNREACH: "无法连接到主机",
    errno.ENETUNREACH: "网络不可达",
}

# rsync's exit codes (man rsync, EXIT VALUES).
RSYNC_EXIT = {
    1: "参数错误", 2: "协议不兼容", 3: "选择输入输出文件或目录出错", 5: "启动客户端-服务器协议出错",
    10: "套接字输入输出错误", 11: "文件输入输出错误", 12: "数据流错误（常见于连接中断或磁盘写满）",
    13: "程序诊断信息出错", 14: "进程间通信出错", 20: "收到中断信号", 23: "部分文件未能传输",
    24: "部分源文件在传输时消失", 30: "收发数据超时", 35: "等待连接超时", 255: "SSH 连接失败",
}


def zh(text: str) -> str:
    """`text` explained in Chinese, the original after it; unknown text unchanged."""
    text = text.strip()
    for phrase, chinese in PHRASES:
        if phrase.lower() in text.lower():
            return f"{chinese}（原文：{text}）"
    return text


def oserror(exc: OSError) -> str:
    """An OSError in Chinese, e.g. 磁盘空间不足（原文：[Errno 28] No space left on device: '…'）."""
    chinese = ERRNO.get(exc.errno) if exc.errno else None
    return f"{chinese}（原文：{exc}）" if chinese else zh(str(exc))


def rsync_failure(code: int, stderr: str) -> str:
    meaning = RSYNC_EXIT.get(code, "未知错误")
    detail = zh(stderr) if stderr.strip() else ""
    return f"rsync 退出码 {code}（{meaning}）" + (f"：{detail}" if detail else "")
