"""Reads items (YAML front matter + Markdown) with the same code as the rule set."""
import sys
from pathlib import Path

from pelican import signals
from pelican.readers import BaseReader

from workflow.build import layout
from workflow.build.pelican import gate_of, metadata_for, run_of
from workflow.model import itemlinks, render


class GovsiteReader(BaseReader):
    enabled = True
    file_extensions = ["md"]

    def read(self, source_path):
        gate = gate_of(self.settings)
        decision = gate.decide(Path(source_path), front_matter=False)   # pages need its bytes and fields
        item = decision.item
        site = gate.group.sites[self.settings["GOVSITE"]["id"]]
        html = render.to_html(item.body) if item.meta is not None else ""
        if item.links:      # links to other items, written as their files: their URLs
            html = itemlinks.rewrite(html, item.relpath, gate.group, self.settings["GOVSITE_URL_MODE"],
                                     lambda rel: (gate.group.root / rel).is_file())
        metadata = metadata_for(decision, site, run_of(self.settings))
        g = metadata["govsite"]
        if g.get("type") in ("policy", "letter"):     # 公文格式: 文号 centred, signature right
            number, signer = (g.get("doc_number"), g.get("issuer")) if g["type"] == "policy" else (None, g.get("reply_unit"))
            page = layout.official(html, number, signer)
            html, g["number_in_body"], g["signature_in_body"] = page.html, page.has_number, page.has_signature
        if item.column:
            metadata["category"] = self.process_metadata("category", item.column)
        return html, metadata


def add_reader(readers):
    readers.reader_classes["md"] = GovsiteReader


def only_through_govsite(pelican):
    """Plain `pelican` in the repository knows neither the sites nor the gate: say what to run."""
    if "GOVSITE" not in pelican.settings:
        print("这是 govsite 站群仓库，不能直接运行 pelican：每个网站按 content/<网站>/site.yaml 构建，"
              "未经审核的信息要被拦下。请运行 govsite build（预览：govsite build 后 govsite serve；"
              "正式：govsite build --production），用法见 README。", file=sys.stderr)
        raise SystemExit(2)


def register():
    signals.initialized.connect(only_through_govsite)
    signals.readers_init.connect(add_reader)
