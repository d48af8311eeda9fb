"""Reads items (YAML front matter + Markdown) with the same code as the rule set."""
from pathlib import Path

from pelican import signals
from pelican.readers import BaseReader

from workflow import itemlinks, render
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
        if item.links:      # links to other items, written as their files: their URLs
            html = itemlinks.rewrite(html, item.relpath, gate.group, self.settings["GOVSITE_URL_MODE"],
                                     lambda rel: (gate.group.root / rel).is_file())
        metadata = metadata_for(decision, site)
        if item.column:
            metadata["category"] = self.process_metadata("category", item.column)
        return html, metadata


def add_reader(readers):
    readers.reader_classes["md"] = GovsiteReader


def register():
    signals.readers_init.connect(add_reader)
