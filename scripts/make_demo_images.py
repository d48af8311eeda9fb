"""Draw the demo group's images with Pillow (a maintainer's tool; nothing is downloaded).

Simple illustrations, clearly examples, small JPEG files beside their items:

    python scripts/make_demo_images.py

Re-sign the items afterwards (python scripts/approve_demo.py): an image is part of
what its item's approval covers.
"""
from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
W, H = 1280, 720


def font(size):
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default()


def sky(d, top, bottom, height=H):
    for y in range(height):
        t = y / height
        d.line([(0, y), (W, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))


def label(d, text, w=W):
    d.rectangle([0, 0, 250, 56], fill=(180, 13, 22))
    d.text((18, 8), text, font=font(30), fill="white")


def meeting():
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    sky(d, (236, 230, 220), (200, 190, 176))
    d.rectangle([340, 70, 940, 330], fill=(150, 20, 28))                      # screen
    d.text((430, 160), "常务会议", font=font(88), fill=(255, 236, 170))
    d.polygon([(200, 640), (1080, 640), (900, 400), (380, 400)], fill=(120, 78, 48))   # table
    for i in range(5):                                                         # people along both sides
        t = (i + 0.5) / 5
        y = 400 + 240 * t
        for x in (380 - 180 * t - 70, 900 + 180 * t + 10):
            d.ellipse([x, y - 30, x + 60, y + 30], fill=(60, 60, 70))
    label(d, "示例图片")
    return img


def stage():
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    sky(d, (120, 10, 18), (60, 6, 10))
    d.rectangle([140, 90, 1140, 300], fill=(200, 30, 40))
    d.text((250, 140), "优化营商环境推进会", font=font(86), fill=(255, 226, 140))
    d.rectangle([100, 470, 1180, 540], fill=(90, 60, 40))                     # podium table
    for i in range(9):
        d.ellipse([150 + i * 115, 390, 210 + i * 115, 450], fill=(40, 40, 48))
    for row in range(2):                                                       # audience
        for i in range(14):
            d.ellipse([60 + i * 88, 590 + row * 60, 110 + i * 88, 640 + row * 60], fill=(30, 30, 36))
    label(d, "示例图片")
    return img


def fields():
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    sky(d, (150, 200, 245), (230, 240, 250), 300)
    d.ellipse([1000, 60, 1110, 170], fill=(255, 220, 110))
    for i in range(12):                                                        # terraces
        y = 300 + i * 36
        green = (60 + i * 8, 140 + i * 6, 60)
        d.polygon([(0, y), (W, y - 40), (W, y + 10), (0, y + 50)], fill=green)
    for i in range(5):
        x = 200 + i * 200
        d.rectangle([x, 520 - i * 10, x + 26, 600 - i * 10], fill=(70, 70, 80))   # farmers
        d.ellipse([x - 4, 490 - i * 10, x + 30, 524 - i * 10], fill=(230, 190, 150))
    label(d, "示例图片")
    return img


def hall():
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    sky(d, (225, 235, 245), (180, 195, 210))
    for i in range(8):                                                         # roof trusses
        d.line([(i * 180, 0), (i * 180 + 90, 160)], fill=(120, 130, 140), width=6)
    for i in range(5):                                                         # booths
        x = 40 + i * 250
        d.rectangle([x, 300, x + 210, 560], fill=(250, 250, 250), outline=(120, 120, 120), width=3)
        d.rectangle([x, 280, x + 210, 330], fill=[(180, 13, 22), (20, 90, 160), (30, 130, 80)][i % 3])
    d.text((360, 170), "展馆服务区", font=font(80), fill=(140, 10, 18))
    label(d, "示例图片")
    return img


def skyline():
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    sky(d, (90, 150, 210), (220, 235, 245))
    rnd = random.Random(7)
    x = 0
    while x < W:
        w, h = rnd.randint(70, 150), rnd.randint(200, 560)
        shade = rnd.randint(90, 150)
        d.rectangle([x, H - h, x + w, H], fill=(shade, shade + 10, shade + 25))
        for wy in range(H - h + 20, H - 20, 34):                               # windows
            for wx in range(x + 12, x + w - 16, 26):
                d.rectangle([wx, wy, wx + 12, wy + 18], fill=(235, 225, 160))
        x += w + rnd.randint(6, 20)
    label(d, "示例图片")
    return img


def job_fair():
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    sky(d, (245, 240, 230), (215, 205, 190))
    d.text((330, 60), "高校毕业生招聘会", font=font(80), fill=(140, 10, 18))
    for i in range(4):
        x = 60 + i * 300
        d.rectangle([x, 230, x + 260, 260], fill=(180, 13, 22))
        d.rectangle([x, 260, x + 260, 420], fill=(250, 250, 250), outline=(150, 150, 150), width=3)
    rnd = random.Random(3)
    for _ in range(40):                                                        # visitors
        x, y = rnd.randint(20, 1240), rnd.randint(460, 660)
        d.ellipse([x, y, x + 30, y + 30], fill=(40, 40, 48))
        d.rectangle([x + 2, y + 30, x + 28, y + 70], fill=rnd.choice([(30, 80, 150), (90, 90, 90), (150, 30, 40)]))
    label(d, "示例图片")
    return img


def banner():
    img = Image.new("RGB", (1440, 480))
    d = ImageDraw.Draw(img)
    for y in range(480):
        t = y / 480
        d.line([(0, y), (1440, y)], fill=(int(180 - 60 * t), int(13 + 5 * t), int(22 + 10 * t)))
    for i in range(12):                                                        # rays
        d.line([(1200, 480), (i * 130, 0)], fill=(200, 40, 50), width=3)
    d.text((120, 150), "优化营商环境", font=font(120), fill=(255, 230, 150))
    d.text((124, 310), "站群各网站信息汇集 · 专题", font=font(44), fill=(255, 245, 220))
    return img


IMAGES = {
    "portal/yaowen/2026-11-changwu-huiyi-dongji-anquan/changwu-huiyi.jpg": meeting,
    "portal/yaowen/2026-11-yingshang-huanjing-tuijinhui/tuijinhui.jpg": stage,
    "portal/yaowen/2026-10-qiudong-nongye-shengchan/qiudong-nongtian.jpg": fields,
    "portal/yaowen/2026-08-dongbohui-fuwu-baozhang/zhanguan-fuwu.jpg": hall,
    "portal/zhuanti/youhua-yingshang-huanjing/zhuanti-banner.jpg": banner,
    "qingxiu/yaowen/2026-11-louyu-jingji-tuijiehui/louyu.jpg": skyline,
    "rsj/dongtai/2026-11-gaoxiao-biyesheng-zhaopinhui/zhaopinhui.jpg": job_fair,
}


def main() -> None:
    for rel, draw in IMAGES.items():
        # beside the item, as attachments are: content/<site>/<column>/<file>
        site, column, _slug, name = rel.split("/")
        path = ROOT / "content" / site / column / name
        draw().save(path, "JPEG", quality=78, optimize=True, progressive=True)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
