"""The one font of every PDF the platform writes (credit notices, volunteer certificates, the three-rates report).

reportlab's built-in CID font STSong-Light (Adobe-GB1) needs no font file: the PDF names the font and every reader
ships it, so the Chinese text renders on a fresh machine. Importing this module registers it (once per process).
"""

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

FONT = "STSong-Light"

if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
