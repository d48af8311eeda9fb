"""Images of items (图片新闻, 专题横幅): checked like attachments, covered by approvals,
published only as WebP/JPEG versions without metadata, with alt text that says something,
and never encoded twice."""
from __future__ import annotations

import io
import os
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.group_setup import main_of, page, published
from workflow import DATA
from workflow.build import attachments
from workflow.errors import ChangedError
from workflow.model import images
from workflow.policy import limits

ALT = "市政府大楼正门前的广场"


def photo(path, size=(1600, 900), fmt="JPEG", exif=None, colour=(180, 40, 40)):
    """A generated picture (no downloads), with EXIF when given."""
    img = Image.new("RGB", size, colour)
    for x in range(0, size[0], 100):                       # some detail, so encoders have work
        img.paste((20, 90, 160), (x, 0, x + 40, size[1] // 2))
    options = {"exif": exif} if exif is not None else {}
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return path


def gps_exif(orientation=1):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"                          # Make
    exif[0x0110] = "PhoneModel-X"                        # Model
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (22.0, 49.0, 3.0), 3: "E", 4: (108.0, 19.0, 12.0)}    # GPS: 南宁
    return exif


def item_with_image(group, file="dalou.jpg", alt=ALT, slug="tupian", caption=None, **fields):
    entry = {"file": file, **({"alt": alt} if alt is not None else {}), **({"caption": caption} if caption else {})}
    return group.item(slug=slug, title="图片新闻测试", images=[entry], **fields)


def findings(group, path, prefix="image."):
    return [f for f in group.check_json(path) if f["rule"].startswith(prefix)]


def test_an_image_is_published_as_webp_and_jpeg_versions_with_srcset_and_size(group):
    photo(group.root / "content/portal/yaowen/dalou.jpg")
    published(group, item_with_image(group, caption="大楼正门（测试图片）"))
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    folder = group.output / "portal/yaowen/tupian"
    assert sorted(p.name for p in folder.iterdir()) == [
        "dalou.1440w.jpg", "dalou.1440w.webp", "dalou.480w.jpg", "dalou.480w.webp", "dalou.960w.jpg", "dalou.960w.webp"]
    assert not (folder / "dalou.jpg").exists()              # the upload itself is never published
    for name, size in [("dalou.480w.webp", (480, 270)), ("dalou.1440w.jpg", (1440, 810))]:
        with Image.open(folder / name) as img:
            assert img.size == size and img.format == ("WEBP" if name.endswith("webp") else "JPEG")
    html = main_of(page(group, "portal/yaowen/tupian.html"))
    base = "/portal/yaowen/tupian"
    assert (f'<source type="image/webp" sizes="(max-width: 840px) 100vw, 800px" srcset="{base}/dalou.480w.webp 480w, '
            f'{base}/dalou.960w.webp 960w, {base}/dalou.1440w.webp 1440w">') in html
    assert f'<img src="{base}/dalou.1440w.jpg"' in html and 'width="1440" height="810"' in html
    assert f'alt="{ALT}"' in html and "<figcaption>大楼正门（测试图片）</figcaption>" in html
    manifest = (group.output / ".manifests/portal.json").read_text(encoding="utf-8")
    assert "yaowen/tupian/dalou.960w.webp" in manifest


def test_a_small_image_is_never_enlarged(group):
    photo(group.root / "content/portal/yaowen/xiao.png", size=(600, 400), fmt="PNG")
    published(group, item_with_image(group, file="xiao.png"))
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    names = sorted(p.name for p in (group.output / "portal/yaowen/tupian").iterdir())
    assert names == ["xiao.480w.jpg", "xiao.480w.webp", "xiao.600w.jpg", "xiao.600w.webp"]


def test_exif_and_gps_are_stripped_and_the_orientation_applied(group):
    # A landscape sensor image the camera marks "rotate 90°": it is shown upright (portrait).
    photo(group.root / "content/portal/yaowen/shouji.jpg", size=(1200, 800), exif=gps_exif(orientation=6))
    with Image.open(group.root / "content/portal/yaowen/shouji.jpg") as src:
        assert src.getexif().get_ifd(0x8825)                # the upload does carry a location
    published(group, item_with_image(group, file="shouji.jpg"))
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    folder = group.output / "portal/yaowen/tupian"
    for version in folder.iterdir():
        data = version.read_bytes()
        with Image.open(version) as img:
            assert img.width < img.height, version.name                        # upright
            assert not img.getexif() and "exif" not in img.info and "xmp" not in img.info, version.name
        assert b"PhoneModel" not in data and b"Exif\x00\x00" not in data, version.name
    assert 'width="800" height="1200"' in page(group, "portal/yaowen/tupian.html")


@pytest.mark.parametrize("alt", [None, "", "   ", "图片", "照片。", "Image", "IMG_2041", "DSC 0001", "dalou.jpg",
                                 "dalou", "图", "mmexport1699999999999"])
def test_alt_text_missing_or_meaningless_is_refused(group, alt):
    photo(group.root / "content/portal/yaowen/dalou.jpg")
    path = item_with_image(group, alt=alt)
    found = findings(group, path)
    assert [(f["rule"], f["severity"], f["field"]) for f in found] == [("image.alt", "error", "images[0].alt")]
    assert "dalou.jpg" in found[0]["message"] and "alt:" in found[0]["fix"]


def test_alt_text_that_describes_the_image_is_accepted(group):
    photo(group.root / "content/portal/yaowen/dalou.jpg")
    assert findings(group, item_with_image(group, alt="2026年11月20日，市政府常务会议现场")) == []


def write_symlink(group):
    outside = photo(group.root / "elsewhere/secret.jpg")
    (group.root / "content/portal/yaowen").mkdir(parents=True, exist_ok=True)
    os.symlink(outside, group.root / "content/portal/yaowen/lianjie.jpg")
    return "lianjie.jpg"


def write_bytes(name, data):
    def make(group):
        path = group.root / "content/portal/yaowen" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return name
    return make


def png_named_jpg(group):
    photo(group.root / "content/portal/yaowen/jia.jpg", fmt="PNG")
    return "jia.jpg"


def truncated(group):
    path = photo(group.root / "content/portal/yaowen/banjie.jpg")
    path.write_bytes(path.read_bytes()[:600])
    return "banjie.jpg"


def too_many_pixels(group):
    (group.root / "policy").mkdir(exist_ok=True)
    (group.root / "policy/images.yaml").write_text(
        (DATA / "images.yaml").read_text(encoding="utf-8").replace("max_pixels: 40000000", "max_pixels: 10000"),
        encoding="utf-8")
    photo(group.root / "content/portal/yaowen/da.jpg", size=(200, 100))
    return "da.jpg"


def too_large(group):
    (group.root / "policy").mkdir(exist_ok=True)
    (group.root / "policy/images.yaml").write_text(
        (DATA / "images.yaml").read_text(encoding="utf-8").replace("max_mb: 10", "max_mb: 0.001"), encoding="utf-8")
    photo(group.root / "content/portal/yaowen/zhong.jpg")
    return "zhong.jpg"


@pytest.mark.parametrize("make, rule, words", [
    (write_bytes("dongtu.gif", b"GIF89a" + b"\0" * 32), "image.type", ".gif"),
    (write_bytes("wenben.jpg", "这不是图片".encode()), "image.invalid", "无法识别为图片"),
    (png_named_jpg, "image.invalid", "与扩展名 .jpg 不符"),
    (truncated, "image.invalid", "损坏"),
    (too_many_pixels, "image.invalid", "超过上限"),
    (too_large, "image.too-large", "超过上限"),
    (write_symlink, "image.outside", "链接"),
    (lambda group: "../tzgg/waibu.jpg", "image.outside", "超出了信息所在目录"),
    (lambda group: "/etc/passwd.jpg", "image.outside", "超出了信息所在目录"),
    (lambda group: "meiyou.jpg", "image.missing", "找不到图片文件"),
    (lambda group: "bad\x07name.jpg", "image.name", "控制字符"),
])
def test_hostile_image_files_are_refused_naming_the_file(group, make, rule, words):
    name = make(group)
    path = item_with_image(group, file=name)
    found = [f for f in findings(group, path) if f["rule"] != "image.alt"]
    assert found and found[0]["rule"] == rule and words in found[0]["message"], found
    assert found[0]["field"] == "images[0].file" and found[0]["line"]
    published_ok = group.approve(path, "zhong.shen")[0] == 0
    assert not published_ok                      # approve refuses an item with a problem
    group.build()
    assert not (group.output / "portal/yaowen/tupian.html").exists()


def test_two_images_whose_versions_would_collide_are_refused(group):
    photo(group.root / "content/portal/yaowen/a.jpg")
    photo(group.root / "content/portal/yaowen/a.png", fmt="PNG")
    path = group.item(slug="tupian", images=[{"file": "a.jpg", "alt": ALT}, {"file": "a.png", "alt": "另一张图片的说明"}])
    found = findings(group, path)
    assert [(f["rule"], f["field"]) for f in found] == [("image.name", "images[1].file")]


def test_the_approval_covers_the_image_bytes(group):
    image = photo(group.root / "content/portal/yaowen/dalou.jpg")
    path = published(group, item_with_image(group))
    assert [f for f in group.check_json(path) if f["severity"] == "error"] == []
    photo(image, colour=(40, 160, 40))                     # same name, other picture
    errors = [f for f in group.check_json(path) if f["severity"] == "error"]
    assert errors and all(f["rule"].startswith("approval.") for f in errors), errors
    group.build()
    assert not (group.output / "portal/yaowen/tupian").exists()


def test_an_image_changed_after_the_decision_is_never_published(group, tmp_path):
    from workflow.gate.gate import Gate
    from workflow.model.sites import load_group

    image = photo(group.root / "content/portal/yaowen/dalou.jpg")
    path = published(group, item_with_image(group))
    decision = Gate(load_group(group.root)).decide(path)
    assert decision.published and set(decision.files) == {"dalou.jpg"}
    photo(image, colour=(0, 0, 0))                         # swapped between the gate and the copy
    with pytest.raises(ChangedError, match="图片 dalou.jpg 在构建过程中被改动"):
        attachments.publish(decision.item, tmp_path / "out", decision.files, limits.images(group.root), None)
    assert not list((tmp_path / "out").rglob("*.webp"))


def test_an_unchanged_image_is_not_encoded_again(group):
    photo(group.root / "content/portal/yaowen/dalou.jpg")
    published(group, item_with_image(group))
    assert group.build()[0] == 0
    cache = group.output / ".govsite-cache/images"
    entries = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.rglob("*") if p.is_file()}
    assert len(entries) == 6
    first = {p.name: p.read_bytes() for p in (group.output / "portal/yaowen/tupian").iterdir()}
    assert group.build("--full")[0] == 0                   # every site built again
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.rglob("*") if p.is_file()} == entries
    assert {p.name: p.read_bytes() for p in (group.output / "portal/yaowen/tupian").iterdir()} == first
    # Another picture under the same name is a new entry, never the old one.
    photo(group.root / "content/portal/yaowen/dalou.jpg", colour=(30, 30, 200))
    published(group, group.root / "content/portal/yaowen/tupian.md")
    assert group.build()[0] == 0
    assert len([p for p in cache.rglob("*") if p.is_file()]) == 12
    assert {p.name: p.read_bytes() for p in (group.output / "portal/yaowen/tupian").iterdir()} != first


def test_photo_news_and_topic_banners_show_the_first_image(group):
    from tests.group_setup import receiving_portal

    receiving_portal(group)
    photo(group.root / "content/portal/zhuanti/banner.jpg", size=(1440, 480))
    published(group, group.item("portal", "zhuanti", "yingshang-zhuanti", title="优化营商环境专题",
                                images=[{"file": "banner.jpg", "alt": "优化营商环境专题横幅"}]))
    receiving_portal(group, topics={"yingshang-huanjing": {"name": "优化营商环境", "intro": "zhuanti/yingshang-zhuanti"}})
    photo(group.root / "content/portal/yaowen/dalou.jpg")
    published(group, item_with_image(group, tags=["yingshang-huanjing"]))
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    home = main_of(page(group, "portal/index.html"))
    photo_news = home[home.index('class="photo-news"'):]
    assert f'alt="{ALT}"' in photo_news and "/portal/yaowen/tupian/dalou.960w.webp 960w" in photo_news
    banner = home[home.index('class="topic-banners"'):]
    assert 'alt="优化营商环境专题横幅"' in banner and "/portal/zhuanti/yingshang-zhuanti/banner.480w.jpg" in banner
    topic = main_of(page(group, "portal/topic/yingshang-huanjing.html"))
    assert 'class="topic-banner"' in topic and 'alt="优化营商环境专题横幅"' in topic


@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12),
       st.sampled_from(["jpg", "png", "webp"]), st.sampled_from(["", " ", "。", ".", "_", "!"]),
       st.booleans())
def test_an_alt_text_that_is_the_file_name_or_a_listed_word_is_never_accepted(stem, ext, tail, upper):
    pol = limits.images(None)
    for alt in (stem, f"{stem}.{ext}", *pol.meaningless[:5]):
        written = (alt.upper() if upper else alt) + tail
        assert images.alt_problem(written, f"{stem}.{ext}", pol) is not None, written


@given(st.integers(1, 6000), st.integers(1, 6000))
def test_versions_keep_the_shape_and_never_exceed_the_original(width, height):
    pol = limits.images(None)
    sizes = images.sizes(width, height, pol)
    assert sizes[-1][0] == min(width, pol.widths[-1])
    assert [w for w, _ in sizes] == sorted({w for w, _ in sizes})
    for w, h in sizes:
        assert 1 <= w <= width and 1 <= h <= max(height, 1)
        assert abs(h - height * w / width) <= 0.5 + 1e-9 or h == 1


def test_a_file_name_with_spaces_and_commas_cannot_break_the_srcset(group):
    """srcset separates candidates by commas and spaces: names reach it percent-encoded."""
    photo(group.root / "content/portal/yaowen/照片 一,二.jpg")
    published(group, item_with_image(group, file="照片 一,二.jpg"))
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    assert (group.output / "portal/yaowen/tupian/照片 一,二.480w.webp").is_file()
    html = page(group, "portal/yaowen/tupian.html")
    srcset = re.search(r'<source type="image/webp" sizes="[^"]*" srcset="([^"]*)"', html)[1]
    candidates = [c.strip().split(" ") for c in srcset.split(", ")]
    assert [len(c) for c in candidates] == [2, 2, 2]
    assert candidates[0] == ["/portal/yaowen/tupian/%E7%85%A7%E7%89%87%20%E4%B8%80%2C%E4%BA%8C.480w.webp", "480w"]
