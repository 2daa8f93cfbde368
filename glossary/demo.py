"""Demo terms for benchmarks and manual testing: realistic, cross-referencing, reproducible.

Titles are built from word lists of real health and longevity vocabulary ("Hepatic
autophagy flux"); bodies have the same "## Origin" / "## Mechanism" sections as real
articles and mention other demo terms and the seed terms, so cross-links appear. The
same --seed on the same database gives the same terms. Everything is written in bulk
(see glossary.bulk), so 50,000 terms take a minute or two, not hours.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from glossary import bulk, changes, name_index, planner
from glossary.citations import EVIDENCE_CHOICES, KIND_ARTICLE
from glossary.models import Category, Reference, Term
from glossary.progress import Progress, listener, reported_to

MAX_COUNT = 500_000

# (word as it appears in a title, what it is, in a phrase)
CORES: list[tuple[str, str]] = [
    ("autophagy", "the cell's recycling of damaged proteins and organelles"),
    ("mitophagy", "the selective removal of damaged mitochondria"),
    ("apoptosis", "programmed cell death"),
    ("senescence", "the permanent arrest of cell division"),
    ("inflammation", "the immune response to injury or infection"),
    ("insulin sensitivity", "how strongly cells respond to insulin"),
    ("glucose tolerance", "the ability to clear glucose from the blood"),
    ("lipid oxidation", "the burning of fatty acids for energy"),
    ("ketogenesis", "the production of ketone bodies from fat"),
    ("glycolysis", "the breakdown of glucose for energy"),
    ("oxidative stress", "an excess of reactive oxygen species over antioxidant defences"),
    ("telomere attrition", "the shortening of chromosome ends with each division"),
    ("DNA repair", "the mending of damaged genetic material"),
    ("proteostasis", "the balance of protein synthesis, folding and breakdown"),
    ("stem cell exhaustion", "the decline of tissue renewal capacity"),
    ("angiogenesis", "the growth of new blood vessels"),
    ("myelination", "the insulation of nerve fibres"),
    ("circadian rhythm", "the body's roughly 24-hour clock"),
    ("sleep architecture", "the structure of sleep stages across a night"),
    ("heart rate variability", "the beat-to-beat variation of the heart rhythm"),
    ("VO2 max", "the maximal rate of oxygen uptake"),
    ("muscle protein synthesis", "the building of new muscle protein"),
    ("bone remodelling", "the continuous renewal of bone tissue"),
    ("collagen turnover", "the synthesis and breakdown of collagen"),
    ("gut permeability", "how easily substances cross the intestinal lining"),
    ("microbiome diversity", "the variety of microbes living in the gut"),
    ("hormesis", "a beneficial response to a low dose of stress"),
    ("thermogenesis", "the production of body heat"),
    ("vasodilation", "the widening of blood vessels"),
    ("endothelial function", "how well the lining of blood vessels works"),
    ("arterial stiffness", "the loss of elasticity of the arteries"),
    ("cortisol rhythm", "the daily rise and fall of cortisol"),
    ("methylation", "the addition of methyl groups to DNA or proteins"),
    ("NAD+ metabolism", "the synthesis and use of the coenzyme NAD+"),
    ("AMPK activation", "the switching on of the cell's energy sensor"),
    ("mTOR signalling", "the growth pathway that senses nutrients"),
    ("sirtuin activity", "the work of NAD+-dependent deacetylases"),
    ("IGF-1 signalling", "the growth-factor pathway downstream of growth hormone"),
    ("glymphatic clearance", "the brain's night-time waste removal"),
    ("synaptic pruning", "the elimination of unused synapses"),
    ("neuroinflammation", "inflammation within the nervous system"),
    ("cognitive reserve", "the brain's resilience to damage"),
    ("insulin resistance", "a blunted response of cells to insulin"),
    ("lactate threshold", "the exercise intensity at which lactate accumulates"),
    ("fat oxidation", "the use of fat as a fuel"),
    ("glycation", "the binding of sugars to proteins"),
    ("lipid peroxidation", "oxidative damage to membrane lipids"),
    ("immunosenescence", "the ageing of the immune system"),
    ("sarcopenia", "the age-related loss of muscle mass and strength"),
    ("frailty", "a state of reduced physiological reserve"),
    ("caloric restriction", "eating fewer calories without malnutrition"),
    ("time-restricted eating", "eating within a fixed daily window"),
    ("zone 2 training", "steady exercise at low to moderate intensity"),
    ("interval training", "alternating bouts of hard and easy exercise"),
    ("heat exposure", "deliberate time in heat, such as a sauna"),
    ("cold exposure", "deliberate time in cold water or air"),
    ("protein intake", "the amount of dietary protein eaten"),
    ("omega-3 status", "the level of long-chain omega-3 fatty acids in the body"),
    ("vitamin D status", "the level of vitamin D in the blood"),
    ("iron homeostasis", "the regulation of iron uptake and storage"),
    ("blood pressure", "the force of blood against artery walls"),
    ("resting heart rate", "the number of heart beats per minute at rest"),
    ("grip strength", "the maximal force of the hand's grip"),
    ("gait speed", "how fast a person walks"),
    ("epigenetic age", "biological age estimated from DNA methylation"),
    ("β-hydroxybutyrate", "the main ketone body in the blood"),
    ("α-klotho", "a protein linked to kidney function and ageing"),
    ("5-HT signalling", "signalling by serotonin"),
    ("24-hour energy expenditure", "the calories the body uses in a day"),
]
MODIFIERS: list[tuple[str, str]] = [
    ("hepatic", "in the liver"),
    ("cardiac", "in the heart"),
    ("renal", "in the kidneys"),
    ("neural", "in nerve tissue"),
    ("skeletal muscle", "in skeletal muscle"),
    ("adipose", "in fat tissue"),
    ("vascular", "in blood vessels"),
    ("intestinal", "in the gut"),
    ("hippocampal", "in the hippocampus"),
    ("cortical", "in the cerebral cortex"),
    ("pancreatic", "in the pancreas"),
    ("cutaneous", "in the skin"),
    ("pulmonary", "in the lungs"),
    ("osseous", "in bone"),
    ("retinal", "in the retina"),
    ("systemic", "throughout the body"),
    ("mitochondrial", "inside mitochondria"),
    ("postprandial", "after a meal"),
    ("nocturnal", "during the night"),
    ("exercise-induced", "triggered by exercise"),
    ("fasting-induced", "triggered by fasting"),
    ("age-related", "that comes with age"),
    ("chronic", "that persists over months or years"),
    ("acute", "that follows a single exposure"),
    ("late-life", "in old age"),
    ("midlife", "in middle age"),
    ("maternal", "during pregnancy"),
    ("paediatric", "in children"),
    ("diet-induced", "brought on by diet"),
    ("stress-induced", "brought on by psychological stress"),
    ("hypoxic", "under low oxygen"),
    ("sex-specific", "that differs between the sexes"),
    ("genetic", "set by inherited variants"),
    ("peripheral", "outside the central nervous system"),
    ("central", "in the brain and spinal cord"),
    ("subclinical", "below the threshold of symptoms"),
    ("compensatory", "that offsets another change"),
    ("impaired", "when it works less well than it should"),
    ("enhanced", "when it is stronger than usual"),
    ("baseline", "measured at rest"),
]
QUALIFIERS: list[tuple[str, str]] = [
    ("index", "a score that summarises"),
    ("marker", "a measurable sign of"),
    ("threshold", "the point at which a change appears in"),
    ("capacity", "the maximal extent of"),
    ("dysregulation", "a loss of control over"),
    ("response", "the body's reaction involving"),
    ("kinetics", "the speed and time course of"),
    ("biomarker panel", "a set of laboratory tests tracking"),
    ("assessment", "a structured way of measuring"),
    ("score", "a number that grades"),
    ("decline", "a gradual loss of"),
    ("adaptation", "a lasting change in"),
    ("resilience", "the ability to recover"),
    ("variability", "the fluctuation over time of"),
    ("reserve", "the spare capacity of"),
    ("trajectory", "the long-term course of"),
    ("modulation", "the deliberate adjustment of"),
    ("imbalance", "a disturbed balance of"),
    ("sensitivity", "the responsiveness of"),
    ("profile", "the overall pattern of"),
]
CATEGORIES: list[tuple[str, str, str]] = [
    ("metabolism", "Metabolism", "How the body makes, stores and uses energy."),
    ("cellular-ageing", "Cellular ageing", "The hallmarks of ageing at the level of the cell."),
    ("cardiovascular-health", "Cardiovascular health", "Heart, blood vessels and circulation."),
    ("sleep-and-circadian", "Sleep & circadian biology", "Sleep, rhythms and daily timing."),
    ("nutrition", "Nutrition", "What we eat and how it affects health span."),
    ("exercise-brain-health", "Exercise & brain health", "How training changes the brain."),
    ("neuroscience", "Neuroscience", "Cells, signals and structures of the nervous system."),
    ("physiology", "Physiology", "How the body's tissues and organs work together."),
    ("biomarkers", "Biomarkers", "Measurable signs used to track health and ageing."),
]
JOURNALS = [
    "Cell Metabolism",
    "Nature Aging",
    "Aging Cell",
    "The Journals of Gerontology",
    "Journal of Applied Physiology",
    "Sleep",
    "Circulation",
    "Neurobiology of Aging",
    "American Journal of Clinical Nutrition",
    "GeroScience",
]
SURNAMES = [
    "Andersen", "Bauer", "Chen", "Dubois", "Eriksson", "Fischer", "García", "Hughes",
    "Ito", "Jensen", "Kowalski", "López", "Müller", "Nakamura", "Okafor", "Patel",
    "Quinn", "Rossi", "Silva", "Tanaka", "Umar", "Virtanen", "Walsh", "Yamamoto",
]  # fmt: skip
SEED_MENTIONS = [
    "myokines",
    "BDNF",
    "neurogenesis",
    "synaptic plasticity",
    "the blood-brain barrier",
    "proprioception",
    "motor unit recruitment",
]
ORIGIN_SENTENCES = [
    "The term {title} came into use as researchers began to study {core_desc} {mod_desc}.",
    "{Title} was first described in studies of {core} and has since been linked to {mention}.",
    "Early work on {mention} drew attention to {title}, which is now measured in its own right.",
    "Clinicians adopted the phrase {title} to describe {qual_desc} {core_desc} {mod_desc}.",
    "Interest in {title} grew with longevity research, alongside work on {mention}.",
]
MECHANISM_SENTENCES = [
    "{Title} depends on {core_desc}, and it shifts when {mention} changes.",
    "Signals from {mention} and {seed} converge on the pathways behind {title}.",
    "Regular exercise and good sleep tend to improve {title}, in part through {seed}.",
    "In older adults, {title} often tracks {mention}, although the two can diverge.",
    "{Title} is shaped by diet, physical activity and genetics, and interacts with {mention}.",
    "Animal studies suggest that {title} responds to changes in {seed} within weeks.",
    "A decline in {title} is associated with worse outcomes for {mention}.",
]
PRACTICE_SENTENCES = [
    "Measurements of {title} are not yet standardised, so results vary between laboratories.",
    "Most evidence on {title} comes from observational studies; trials are under way.",
    "For readers, the practical levers are those that also support {mention}.",
]

ANCHOR = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


@dataclass
class TitleParts:
    title: str
    core: str
    core_desc: str
    mod_desc: str
    qual_desc: str
    domain: int


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _title_candidates(rng: random.Random) -> list[TitleParts]:
    """Every title the word lists can make: core terms first, then two- and three-word ones."""
    singles, doubles, triples = [], [], []
    for ci, (core, core_desc) in enumerate(CORES):
        domain = ci % len(CATEGORIES)
        singles.append(TitleParts(_capitalise(core), core, core_desc, "", "", domain))
        for mod, mod_desc in MODIFIERS:
            doubles.append(
                TitleParts(_capitalise(f"{mod} {core}"), core, core_desc, mod_desc, "", domain)
            )
            for qual, qual_desc in QUALIFIERS:
                triples.append(
                    TitleParts(
                        _capitalise(f"{mod} {core} {qual}"),
                        core,
                        core_desc,
                        mod_desc,
                        qual_desc,
                        domain,
                    )
                )
        for qual, qual_desc in QUALIFIERS:
            doubles.append(
                TitleParts(_capitalise(f"{core} {qual}"), core, core_desc, "", qual_desc, domain)
            )
    rng.shuffle(doubles)
    rng.shuffle(triples)
    return singles + doubles + triples


def _mention_form(title: str) -> str:
    """How a title reads inside a sentence: lower-case unless it holds an abbreviation."""
    first = title.split(" ", 1)[0]
    return title if any(c.isupper() for c in first[1:]) or first.isupper() else title.lower()


def _abbreviation(title: str) -> str:
    words = [w for w in title.replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0] for w in words).upper() if len(words) >= 3 else ""


def _sentence(template: str, parts: TitleParts, mention: str, seed_name: str) -> str:
    title = _mention_form(parts.title)
    text = template.format(
        title=title,
        Title=_capitalise(title),
        core=parts.core,
        core_desc=parts.core_desc,
        mod_desc=parts.mod_desc,
        qual_desc=parts.qual_desc,
        mention=mention,
        seed=seed_name,
    )
    return re.sub(r"\s+([.,])", r"\1", " ".join(text.split()))


def _body(rng: random.Random, parts: TitleParts, mentions: list[str]) -> str:
    def pick(templates: list[str], count: int) -> str:
        return " ".join(
            _sentence(t, parts, rng.choice(mentions), rng.choice(SEED_MENTIONS))
            for t in rng.sample(templates, count)
        )

    sections = [
        "## Origin\n\n" + pick(ORIGIN_SENTENCES, 2),
        "## Mechanism\n\n" + pick(MECHANISM_SENTENCES, 3) + "\n\n" + pick(MECHANISM_SENTENCES, 2),
    ]
    if rng.random() < 0.4:
        sections.append("## In practice\n\n" + pick(PRACTICE_SENTENCES, 2))
    return "\n\n".join(sections) + "\n"


def _summary(parts: TitleParts) -> str:
    what = " ".join(f"{parts.qual_desc} {parts.core_desc} {parts.mod_desc}".split())
    return (
        f"{parts.title} refers to {what}. It is studied as a sign of healthy ageing "
        "and as a target of lifestyle interventions."
    )


DEMO_REFERENCES = 200  # a shared library the demo terms cite, as real terms share papers
EVIDENCE_CODES = [code for code, _ in EVIDENCE_CHOICES]


def _ensure_demo_library() -> None:
    """Fictional structured references demo-1 … demo-200 (no DOI or PMID: none is real)."""
    rng = random.Random(DEMO_REFERENCES)
    Reference.objects.bulk_create(
        [
            Reference(
                key=f"demo-{number}",
                kind=KIND_ARTICLE,
                authors="\n".join(f"{name} {rng.choice('ABCDEHJKLMS')}" for name in authors),
                title=f"Demo study {number} of {rng.choice(JOURNALS).lower()} readers",
                container=rng.choice(JOURNALS),
                year=rng.randint(1995, 2024),
                volume=str(rng.randint(1, 60)),
                issue=str(rng.randint(1, 12)),
                pages=f"{(first := rng.randint(1, 400))}-{first + rng.randint(2, 20)}",
                evidence=rng.choice(EVIDENCE_CODES),
            )
            for number in range(1, DEMO_REFERENCES + 1)
            for authors in [rng.sample(SURNAMES, rng.randint(1, 8))]
        ],
        ignore_conflicts=True,  # sends no signals: the terms citing them are rendered next
    )


def _citations(rng: random.Random) -> str:
    keys = rng.sample(range(1, DEMO_REFERENCES + 1), rng.randint(1, 3))
    return "[" + "; ".join(f"@demo-{key}" for key in keys) + "]"


def _unique_slug(title: str, taken: set[str]) -> str:
    base = (slugify(title) or "term")[:200]
    slug = base
    for number in itertools.count(2):
        if slug not in taken:
            break
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug


def _ensure_categories() -> list[Category]:
    categories = []
    for slug, name, description in CATEGORIES:
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            category = Category.objects.filter(name=name).first() or Category.objects.create(
                slug=slug, name=name, description=description
            )
        categories.append(category)
    return categories


def generate_terms(
    count: int,
    seed: int | None = None,
    *,
    progress: Progress | None = None,
    languages: Sequence[str] = (),
) -> list[Term]:
    """Create `count` published demo terms (with links, related terms and categories),
    and a translation of each in every one of `languages` (codes from LANGUAGES).

    Titles and slugs already in the database are skipped, so running it again adds new
    terms rather than clashing. Returns the new terms (with primary keys). `progress`
    (by default the `reported_to` listener) hears of each phase: composing, writing rows
    and links, rendering, relinking.
    """
    if not isinstance(count, int) or count < 1 or count > MAX_COUNT:
        raise ValueError(f"count must be a whole number from 1 to {MAX_COUNT:,}")
    report = progress or listener()
    rng = random.Random(seed)
    with transaction.atomic():
        categories = _ensure_categories()
        _ensure_demo_library()
        existing = [row for row in name_index.published_rows() if row[4] == settings.LANGUAGE_CODE]
        taken_names = _taken_names()
        chosen = _choose_titles(rng, count, taken_names)
        mentions = [_mention_form(p.title) for p in chosen[: max(2000, count // 10)]]
        mentions += [_mention_form(row[2]) for row in existing[:2000]]
        terms = _compose_terms(rng, chosen, mentions, taken_names, report)
        bulk.create_terms(terms, progress=report)
        related, term_categories = _connections(
            rng, terms, categories, seed_ids=[pk for pk, *_ in existing[:50]]
        )
        bulk.add_related(related, progress=report)
        bulk.add_categories(term_categories, progress=report)
        translated = _translations(rng, terms, languages)
        bulk.create_terms(translated, progress=report)
        bulk.add_categories(_translated_pairs(translated, term_categories), progress=report)
        bulk.add_related(_translated_pairs(translated, related, both=True), progress=report)
        # Rendered, linked and announced the way every bulk load is.
        with reported_to(report):
            changes.terms_loaded([t.pk for t in [*terms, *translated]])
    planner.reclaim_after_bulk_load()
    return terms


# Demo text of the translations: (summary, body) per language, around the term's title.
TRANSLATED_TEXT = {
    "de": (
        "{title} ist ein Demo-Begriff der Alternsforschung; diese Fassung richtet sich an "
        "deutschsprachige Leserinnen und Leser.",
        "## Herkunft\n\n{title} wurde zuerst im Zusammenhang mit {mention} beschrieben.\n\n"
        "## Wirkmechanismus\n\n{title} hängt von Ernährung, körperlicher Aktivität und "
        "Genetik ab und steht in Wechselwirkung mit {mention}.\n",
    ),
    "fr": (
        "{title} est un terme de démonstration de la recherche sur le vieillissement, "
        "rédigé pour les lecteurs francophones.",
        "## Origine\n\n{title} a d’abord été décrit en lien avec {mention}.\n\n"
        "## Mécanisme\n\n{title} dépend de l’alimentation, de l’activité physique et de "
        "la génétique, et interagit avec {mention}.\n",
    ),
}
GENERIC_TEXT = (
    "{title} (demo term, {language}).",
    "## Origin\n\n{title} and {mention} ({language}).\n\n## Mechanism\n\n{title}.\n",
)


def _translations(rng: random.Random, terms: list[Term], languages: Sequence[str]) -> list[Term]:
    """A version of each new term in each language, linked to it as its translation; the
    title stays (the scientific name), the text is the language's own."""
    enabled = dict(settings.LANGUAGES)
    translated: list[Term] = []
    for language in languages:
        if language not in enabled or language == settings.LANGUAGE_CODE:
            raise ValueError(f"--languages: {language!r} is not another language of the site")
        same_language = Term.objects.in_language(language)
        taken_titles = {t.lower() for t in same_language.values_list("title", flat=True)}
        taken_slugs = set(same_language.values_list("slug", flat=True))
        summary, body = TRANSLATED_TEXT.get(language, GENERIC_TEXT)
        for term in terms:
            if term.title.lower() in taken_titles:
                continue
            mention = rng.choice(terms).title
            text = {"title": term.title, "mention": mention, "language": language}
            translated.append(
                Term(
                    title=term.title,
                    slug=_unique_slug(term.title, taken_slugs),
                    language=language,
                    concept=term.concept,
                    translation_of_id=term.pk,
                    source_version=term.content_version,
                    summary=summary.format(**text),
                    body=body.format(**text),
                    status=Term.Status.PUBLISHED,
                    published_at=term.published_at,
                    last_reviewed=term.last_reviewed,
                    created_at=term.created_at,
                    updated_at=term.updated_at,
                )
            )
    return translated


def _translated_pairs(
    translated: list[Term], pairs: list[tuple[int, int]], *, both: bool = False
) -> list[tuple[int, int]]:
    """Category pairs (or, with `both`, related-term pairs) of the sources, for their
    translations: a related pair joins two versions in the same language."""
    versions: dict[tuple[int, str], int] = {
        (t.translation_of_id, t.language): t.pk for t in translated
    }
    result = []
    for language in {t.language for t in translated}:
        for first, second in pairs:
            mine = versions.get((first, language))
            other = versions.get((second, language)) if both else second
            if mine is not None and other is not None:
                result.append((mine, other))
    return result


def _taken_names() -> set[str]:
    """Every title and alias in the default language, lower-cased: a new term may use
    none of them."""
    english = Term.objects.in_language(settings.LANGUAGE_CODE)
    taken = {t.lower() for t in english.values_list("title", flat=True)}
    for aliases in english.values_list("aliases", flat=True):
        taken |= {a.strip().lower() for a in aliases.splitlines() if a.strip()}
    return taken


def _choose_titles(rng: random.Random, count: int, taken_names: set[str]) -> list[TitleParts]:
    """`count` titles no term has yet (added to `taken_names`)."""
    chosen: list[TitleParts] = []
    for parts in _title_candidates(rng):
        if len(chosen) == count:
            break
        if parts.title.lower() not in taken_names:
            taken_names.add(parts.title.lower())
            chosen.append(parts)
    # Beyond the word lists' ~125,000 titles, numbered variants keep titles unique.
    for number in itertools.count(2):
        if len(chosen) >= count:
            break
        for parts in _title_candidates(random.Random(number)):
            if len(chosen) == count:
                break
            numbered = f"{parts.title} type {number}"
            if numbered.lower() not in taken_names:
                taken_names.add(numbered.lower())
                chosen.append(dataclasses.replace(parts, title=numbered))
    return chosen


# An abbreviation that is also an everyday word ("ARE") would link ordinary prose.
PROSE_WORDS = {
    word.strip(".,{}").lower()
    for template in ORIGIN_SENTENCES + MECHANISM_SENTENCES + PRACTICE_SENTENCES
    for word in template.split()
}
# How many composed terms make one step of the "Composing terms" progress.
COMPOSE_REPORT_EVERY = 500


def _compose_terms(
    rng: random.Random,
    chosen: list[TitleParts],
    mentions: list[str],
    taken_names: set[str],
    report: Progress,
) -> list[Term]:
    """Unsaved terms for these titles: body, summary, references, dates and an alias."""
    taken_slugs = set(
        Term.objects.in_language(settings.LANGUAGE_CODE).values_list("slug", flat=True)
    )
    terms: list[Term] = []
    for parts in chosen:
        abbreviation = _abbreviation(parts.title)
        aliases = ""
        if (
            abbreviation
            and abbreviation.lower() not in taken_names
            and abbreviation.lower() not in PROSE_WORDS
        ):
            taken_names.add(abbreviation.lower())
            aliases = abbreviation
        published = ANCHOR + datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 700))
        term = Term(
            title=parts.title,
            slug=_unique_slug(parts.title, taken_slugs),
            aliases=aliases,
            summary=_summary(parts),
            body=_body(rng, parts, mentions or [parts.core]).replace(
                "\n\n## Mechanism", f" {_citations(rng)}\n\n## Mechanism", 1
            ),
            status=Term.Status.PUBLISHED,
            published_at=published,
            last_reviewed=(published + datetime.timedelta(days=rng.randint(0, 300))).date(),
            created_at=published,
            updated_at=published + datetime.timedelta(days=rng.randint(0, 60)),
        )
        term._demo_domain = parts.domain  # type: ignore[attr-defined]
        term._demo_core = parts.core  # type: ignore[attr-defined]
        terms.append(term)
        if len(terms) % COMPOSE_REPORT_EVERY == 0 or len(terms) == len(chosen):
            report("Composing terms", len(terms), len(chosen))
    return terms


def _connections(
    rng: random.Random, terms: list[Term], categories: list[Category], seed_ids: list[int]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(related pairs, category pairs): terms sharing a core word are related, sometimes
    to a seed term too; each term is in its domain's category, sometimes one more."""
    by_core: dict[str, list[int]] = {}
    for term in terms:
        by_core.setdefault(term._demo_core, []).append(term.pk)  # type: ignore[attr-defined]
    related = []
    term_categories = []
    for term in terms:
        siblings = by_core[term._demo_core]  # type: ignore[attr-defined]
        for other in rng.sample(siblings, min(2, len(siblings))):
            related.append((term.pk, other))
        if seed_ids and rng.random() < 0.1:
            related.append((term.pk, rng.choice(seed_ids)))
        domain = term._demo_domain  # type: ignore[attr-defined]
        term_categories.append((term.pk, categories[domain].pk))
        if rng.random() < 0.3:
            term_categories.append((term.pk, rng.choice(categories).pk))
    return related, term_categories


def default_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)
