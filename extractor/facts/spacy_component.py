"""A spaCy pipeline component that puts the facts on ``doc.spans["facts"]``.

    import spacy
    import extractor.facts.spacy_component  # registers the factory
    nlp = spacy.blank("zh")
    nlp.add_pipe("extractor_facts", config={"report_year": 2023})
    doc = nlp("工程完成投资1200万元，同比增长7.5%。")
    [(s.text, s.label_, s._.fact.value) for s in doc.spans["facts"]]
    # [('1200万元', 'money', Decimal('12000000')), ('7.5%', 'percent', Decimal('7.5'))]

Works on any Doc whose text is the text to analyse, including ``prepared.spacy_doc(i)`` (one
sentence of a prepared document, tokens from jieba with the figures protected). The span label
is the fact kind; ``span._.fact`` is the :class:`extractor.model.Fact` (offsets into ``doc.text``).
A fact whose edges fall inside a token is widened to whole tokens (``alignment_mode="expand"``).
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

if not Span.has_extension("fact"):
    Span.set_extension("fact", default=None)


class FactsComponent:
    """Runs extractor's fact extraction on ``doc.text`` and stores spans under ``spans_key``."""

    def __init__(self, report_year: int | None = None, spans_key: str = "facts") -> None:
        self.report_year = report_year
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        from . import facts_from_text

        spans = []
        for f in facts_from_text(doc.text, report_year=self.report_year):
            span = doc.char_span(f.start, f.end, label=f.kind)
            if span is None:
                span = doc.char_span(f.start, f.end, label=f.kind, alignment_mode="expand")
            if span is None:
                continue
            span._.fact = f
            spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


@Language.factory("extractor_facts", default_config={"report_year": None, "spans_key": "facts"},
                  assigns=["doc.spans"])
def make_extractor_facts(nlp: Language, name: str, report_year: int | None,
                         spans_key: str) -> FactsComponent:
    return FactsComponent(report_year=report_year, spans_key=spans_key)
