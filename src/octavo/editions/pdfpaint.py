"""Paint once, finish per edition: the screen and archive PDFs from one painting of their pages.

WeasyPrint writes a PDF in two parts: it paints every laid-out page into PDF content
streams (the drawing operators, the links, the marked content a tagged PDF needs), then
it finishes the file (document information, attachments, fonts, the structure tree, the
output intent, the variant's metadata) and serialises it. The screen and archive
editions read the same layout, and both are tagged and painted against the same sRGB
profile, so their painting is the same; painting is some two thirds of writing a
300-page PDF (5 s of 8; `make bench`). A parallel build (build.py) paints them once, in
the process that laid the page out, and finishes each in a process of its own, forked
from the painted state, which the fork leaves pristine for each. Finishing consumes a
painting: in any one process, a painting is finished once (`Painted.consumed`), and an
edition that finds none pristine is written the ordinary way.

`paint` and `finish` are WeasyPrint 70.0's own `weasyprint.pdf.generate_pdf` (BSD
licence), cut in two where the painting ends; nothing in either is changed, so each
edition's bytes are the bytes `Document.write_pdf` writes (tests/test_pdf_editions.py
compares them). It is listed with Octavo's other changes to WeasyPrint (patches.py): another
WeasyPrint version is refused until this file is read against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

def supported() -> bool:
    """True: the installed WeasyPrint is the one generate_pdf was cut from (patches.PATCHES),
    else a RenderError says which it is."""
    from ..patches import require

    require("painting once")
    return True


def pdf_options(**options) -> dict:
    """WeasyPrint's options for one write, as `Document.write_pdf` completes them: its
    defaults, then what the variant sets where the caller gave nothing."""
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.pdf import VARIANTS

    complete = {**DEFAULT_OPTIONS, **options}
    if variant := complete["pdf_variant"]:
        _, properties = VARIANTS[variant]
        for key, value in tuple(complete.items()):
            if value is None and key in properties:
                complete[key] = properties[key]
    return complete


def paint_key(options: dict) -> tuple:
    """What the painting depends on: two writes with the same key paint the same."""
    return (_tagged(options), options["output_intent"], bool(options["uncompressed_pdf"]))


def _tagged(options: dict) -> bool:
    """Whether the PDF is tagged: as asked, unless the variant decides (generate_pdf's rule)."""
    from weasyprint.pdf import VARIANTS

    variant = options["pdf_variant"]
    if variant and "pdf_tags" in VARIANTS[variant][1]:
        return bool(VARIANTS[variant][1]["pdf_tags"])
    return bool(options["pdf_tags"])


@dataclass
class Painted:
    """The painted pages of one document, and what finishing them needs."""

    key: tuple
    document: object
    pdf: object
    resources: object
    images: dict
    page_streams: list
    pdf_names: list
    consumed: bool = field(default=False)


def paint(document, options: dict) -> Painted:
    """generate_pdf, from its start to the outlines: the pages painted, and their fonts
    subset (_subset_fonts)."""
    import pydyf
    from importlib.resources import files

    from tinycss2.color5 import D50, D65
    from weasyprint.css import ColorProfile
    from weasyprint.matrix import Matrix
    from weasyprint.pdf.anchors import add_annotations, add_forms, add_links, add_outlines, resolve_links
    from weasyprint.pdf.stream import Stream

    zoom = 1
    scale = zoom * 0.75
    compress = not options['uncompressed_pdf']
    pdf_tags = _tagged(options)

    pdf = pydyf.PDF()
    images = {}
    color_space = pydyf.Dictionary({
        'lab-d50': pydyf.Array(('/Lab', pydyf.Dictionary({
            'WhitePoint': pydyf.Array(D50),
            'Range': pydyf.Array((-125, 125, -125, 125)),
        }))),
        'lab-d65': pydyf.Array(('/Lab', pydyf.Dictionary({
            'WhitePoint': pydyf.Array(D65),
            'Range': pydyf.Array((-125, 125, -125, 125)),
        }))),
    })
    if options['output_intent'] == 'srgb':
        document.color_profiles['srgb'] = ColorProfile(
            (files('weasyprint.pdf') / 'sRGB2014.icc').open('rb'), 'sRGB2014.icc',
            'relative-colorimetric', (['r'], ['g'], ['b']))
    for key, color_profile in document.color_profiles.items():
        profile = pydyf.Stream(
            [color_profile.content],
            pydyf.Dictionary({'N': len(color_profile.components)}),
            compress=compress)
        pdf.add_object(profile)
        color_profile.pdf_reference = profile.reference
        color_space[key] = pydyf.Array(('/ICCBased', profile.reference))
    pdf.add_object(color_space)
    resources = pydyf.Dictionary({
        'ExtGState': pydyf.Dictionary(),
        'XObject': pydyf.Dictionary(),
        'Pattern': pydyf.Dictionary(),
        'Shading': pydyf.Dictionary(),
        'ColorSpace': color_space.reference,
    })
    pdf.add_object(resources)
    pdf_names = []

    page_links_and_anchors = list(resolve_links(document.pages))

    annot_files = {}
    page_streams = []
    for page_number, (page, links_and_anchors) in enumerate(
            zip(document.pages, page_links_and_anchors)):
        tags = {} if pdf_tags else None

        matrix = Matrix(scale, 0, 0, -scale, 0, page.height * scale)

        page_width = scale * (
            page.width + page.bleed['left'] + page.bleed['right'])
        page_height = scale * (
            page.height + page.bleed['top'] + page.bleed['bottom'])
        left = -scale * page.bleed['left']
        top = -scale * page.bleed['top']
        right = left + page_width
        bottom = top + page_height

        page_rectangle = (
            left / scale, top / scale,
            (right - left) / scale, (bottom - top) / scale)
        stream = Stream(
            document.fonts, page_rectangle, resources, images, tags,
            document.color_profiles, document.output_intent, compress=compress)
        stream.transform(d=-1, f=(page.height * scale))
        pdf.add_object(stream)
        page_streams.append(stream)

        pdf_page = pydyf.Dictionary({
            'Type': '/Page',
            'Parent': pdf.pages.reference,
            'MediaBox': pydyf.Array([left, top, right, bottom]),
            'Contents': stream.reference,
            'Resources': resources.reference,
        })
        if pdf_tags:
            pdf_page['Tabs'] = '/S'
            pdf_page['StructParents'] = page_number
        pdf.add_page(pdf_page)

        add_links(links_and_anchors, matrix, pdf, pdf_page, pdf_names, tags)
        add_annotations(
            links_and_anchors[0], matrix, document, pdf, pdf_page, annot_files,
            compress)
        add_forms(
            page.forms, matrix, pdf, pdf_page, resources, stream,
            document.font_config.font_map)
        page.paint(stream, scale)

        bleed = {key: value * 0.75 for key, value in page.bleed.items()}

        trim_left = left + bleed['left']
        trim_top = top + bleed['top']
        trim_right = right - bleed['right']
        trim_bottom = bottom - bleed['bottom']

        bleed_left = trim_left - min(10, bleed['left'])
        bleed_top = trim_top - min(10, bleed['top'])
        bleed_right = trim_right + min(10, bleed['right'])
        bleed_bottom = trim_bottom + min(10, bleed['bottom'])

        pdf_page['TrimBox'] = pydyf.Array([
            trim_left, trim_top, trim_right, trim_bottom])
        pdf_page['BleedBox'] = pydyf.Array([
            bleed_left, bleed_top, bleed_right, bleed_bottom])

    add_outlines(pdf, document.make_bookmark_tree(scale, transform_pages=True))
    _subset_fonts(document.fonts, options)
    return Painted(paint_key(options), document, pdf, resources, images, page_streams, pdf_names)


def _subset_fonts(fonts: dict, options: dict) -> None:
    """Subset the painted fonts now, once, as finishing will (build_fonts_dictionary's first
    loop): each font object keeps its subset, and finishing, which subsets it again to the
    same glyphs, gets the same bytes from it (one build after another has always written
    its second PDF so) without loading the whole font. A CJK font is some 20 MB, and
    fontTools holds several times that while it subsets: done here, before the fork, it is
    done once, not in each process that finishes an edition."""
    if options['full_fonts']:
        return
    by_file: dict = {}
    for font in fonts.values():
        by_file.setdefault(font.hash, []).append(font)
    for file_fonts in by_file.values():
        font = file_fonts[0]
        if font.bitmap or font.used_in_forms:
            continue
        to_unicode = {}
        for file_font in file_fonts:
            to_unicode = {**to_unicode, **file_font.to_unicode}
        font.clean(to_unicode, options['hinting'])


def finish(painted: Painted, options: dict):
    """generate_pdf, from the outlines to its end: the painted pages finished as `options`
    asks (information, attachments, fonts, tags, output intent, variant). Consumes `painted`."""
    import pydyf
    from weasyprint import VERSION, Attachment
    from weasyprint.pdf import VARIANTS, _use_references, _w3c_date_to_pdf
    from weasyprint.pdf.anchors import write_pdf_attachment
    from weasyprint.pdf.fonts import build_fonts_dictionary
    from weasyprint.pdf.tags import add_tags
    from weasyprint.urls import select_source

    if painted.consumed or painted.key != paint_key(options):
        raise ValueError("a painting is finished once, for an edition that paints as it was painted")
    painted.consumed = True
    document, pdf, resources, images = painted.document, painted.pdf, painted.resources, painted.images
    page_streams, pdf_names = painted.page_streams, painted.pdf_names
    compress = not options['uncompressed_pdf']
    pdf_tags = _tagged(options)
    variant = options['pdf_variant']

    pdf.info['Producer'] = pydyf.String(f'WeasyPrint {VERSION}')
    metadata = document.metadata
    if metadata.title:
        pdf.info['Title'] = pydyf.String(metadata.title)
    if metadata.authors:
        pdf.info['Author'] = pydyf.String(', '.join(metadata.authors))
    if metadata.description:
        pdf.info['Subject'] = pydyf.String(metadata.description)
    if metadata.keywords:
        pdf.info['Keywords'] = pydyf.String(', '.join(metadata.keywords))
    if metadata.generator:
        pdf.info['Creator'] = pydyf.String(metadata.generator)
    if metadata.created:
        pdf.info['CreationDate'] = pydyf.String(
            _w3c_date_to_pdf(metadata.created, 'created'))
    if metadata.modified:
        pdf.info['ModDate'] = pydyf.String(
            _w3c_date_to_pdf(metadata.modified, 'modified'))
    if metadata.lang:
        pdf.catalog['Lang'] = pydyf.String(metadata.lang)
    if options['custom_metadata']:
        for key, value in metadata.custom.items():
            key = ''.join(char for char in key if char.isalnum())
            key = key.encode('ascii', errors='ignore').decode()
            if key:
                pdf.info[key] = pydyf.String(value)
    if options['xmp_metadata']:
        for url in options['xmp_metadata']:
            result = select_source(url, url_fetcher=document.url_fetcher)
            with result as (file_obj, base_url, charset, _):
                xmp_metadata = file_obj.read()
                if charset:
                    xmp_metadata = xmp_metadata.decode(charset).encode()
                metadata.xmp_metadata.append(xmp_metadata)

    attachments = metadata.attachments.copy()
    if options['attachments']:
        relationships = iter(options['attachment_relationships'] or [])
        for attachment in options['attachments']:
            if not isinstance(attachment, Attachment):
                attachment = Attachment(
                    attachment, url_fetcher=document.url_fetcher,
                    relationship=next(relationships, 'Unspecified'))
            attachments.append(attachment)
    pdf_attachments = []
    for attachment in attachments:
        pdf_attachment = write_pdf_attachment(pdf, attachment, compress)
        if pdf_attachment is not None:
            pdf_attachments.append(pdf_attachment)
    if pdf_attachments:
        content = pydyf.Dictionary({'Names': pydyf.Array()})
        for i, pdf_attachment in enumerate(pdf_attachments):
            content['Names'].append(pdf_attachment['F'])
            content['Names'].append(pdf_attachment.reference)
        pdf.add_object(content)
        if 'Names' not in pdf.catalog:
            pdf.catalog['Names'] = pydyf.Dictionary()
        pdf.catalog['Names']['EmbeddedFiles'] = content.reference

    subset = not options['full_fonts']
    pdf_fonts = build_fonts_dictionary(pdf, document.fonts, compress, subset, options)
    pdf.add_object(pdf_fonts)
    resources['Font'] = pdf_fonts.reference
    _use_references(pdf, resources, images, document.color_profiles)

    if pdf_names:
        name_array = pydyf.Array()
        for anchor in sorted(pdf_names):
            name_array.append(pydyf.String(anchor[0]))
            name_array.append(anchor[1])
        dests = pydyf.Dictionary({'Names': name_array})
        if 'Names' not in pdf.catalog:
            pdf.catalog['Names'] = pydyf.Dictionary()
        pdf.catalog['Names']['Dests'] = dests

    if pdf_tags:
        add_tags(pdf, document, options['pdf_version'], page_streams)

    output_intent = document.output_intent
    color_profile = None
    if output_intent in document.color_profiles:
        color_profile = document.color_profiles[document.output_intent]
    elif 'device-cmyk' in document.color_profiles:
        color_profile = document.color_profiles['device-cmyk']
    elif document.color_profiles:
        color_profile = next(iter(document.color_profiles.values()))
    if color_profile:
        subtype = '/GTS_PDFA1' if variant and 'pdf/a' in variant else '/GTS_PDFX'
        intents = pydyf.Dictionary({'Type': '/OutputIntent', 'S': subtype})
        intents['OutputConditionIdentifier'] = pydyf.String(color_profile.name)
        intents['Info'] = pydyf.String(color_profile.name)
        intents['DestOutputProfile'] = color_profile.pdf_reference
        pdf.catalog['OutputIntents'] = pydyf.Array([intents])

    if variant:
        VARIANTS[variant][0](pdf, document, page_streams, attachments, compress)

    return pdf


def write(painted: Painted, target, finisher, options: dict) -> None:
    """`Document.write_pdf`'s end: finish, let `finisher` complete the PDF, serialise it to `target`."""
    pdf = finish(painted, options)
    finisher(painted.document, pdf)
    with open(target, "wb") as stream:
        pdf.write(stream, options['pdf_version'], options['pdf_identifier'], not options['uncompressed_pdf'])
