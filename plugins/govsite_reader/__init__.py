"""Reads items (YAML front matter + Markdown) with the same code as the rule set."""
from pathlib import Path

from pelican import signals
from pelican.readers import BaseReader

from workflow import layout, render
from workflow.pelican_glue import gate_of, metadata_for


class GovsiteReader(BaseReader):
    enabled = True
    file_extensions = ["md"]

    def read(self, source_path):
        gate = gate_of(self.settings)
        decision = gate.decide(Path(source_path))
        item = decision.item
        site = gate.group.sites[self.settings["GOVSITE"]["id"]]
        html = render.to_html(item.body) if item.meta is not None else ""
        metadata = metadata_for(decision, site, gate.as_of)
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


def register():
    signals.readers_init.connect(add_reader)
