"""Twemoji file names as code point sequences, and the concept each shows.

A concept folds what varies between pictures of one idea: skin tones,
gender and facing. bench/colour_dataset.py keeps every concept whole on one
side of its train/held-out split.
"""

import string

ZWJ, VS16 = 0x200D, 0xFE0F
FEMALE, MALE, RIGHTWARDS = 0x2640, 0x2642, 0x27A1
TONES = frozenset(range(0x1F3FB, 0x1F400))  # Fitzpatrick modifiers 1-2 to 6
PERSON, CHILD = 0x1F9D1, 0x1F9D2
HEX_DIGITS = frozenset(string.hexdigits)


def _pair(middle):
  """PERSON ZWJ middle... ZWJ PERSON, the gender-free form of a couple."""
  return (PERSON, ZWJ, *middle, ZWJ, PERSON)


# Gendered forms of one concept and their gender-free twin, so that no
# held-out concept has a man or woman version in training.
GENDER_FOLD = {
  0x1F468: (PERSON,),  # man
  0x1F469: (PERSON,),  # woman
  0x1F466: (CHILD,),  # boy
  0x1F467: (CHILD,),  # girl
  0x1F474: (0x1F9D3,),  # old man -> older person
  0x1F475: (0x1F9D3,),  # old woman
  0x1F934: (0x1FAC5,),  # prince -> person with crown
  0x1F478: (0x1FAC5,),  # princess
  0x1F930: (0x1FAC4,),  # pregnant woman -> pregnant person
  0x1FAC3: (0x1FAC4,),  # pregnant man
  0x1F385: (PERSON, ZWJ, 0x1F384),  # Santa -> Mx Claus
  0x1F936: (PERSON, ZWJ, 0x1F384),  # Mrs Claus
  0x1F57A: (0x1F483,),  # man dancing -> dancer
  0x1F46B: _pair((0x1F91D,)),  # woman and man holding hands
  0x1F46C: _pair((0x1F91D,)),  # men holding hands
  0x1F46D: _pair((0x1F91D,)),  # women holding hands
  0x1F48F: _pair((0x2764, ZWJ, 0x1F48B)),  # kiss
  0x1F491: _pair((0x2764,)),  # couple with heart
  0x1F46A: (PERSON, ZWJ, PERSON, ZWJ, CHILD),  # family
  0x1F46F: _pair((0x1F430,)),  # people with bunny ears
  0x1F93C: _pair((0x1FAEF,)),  # wrestlers
}


def codepoints(stem):
  """(0x1f44d, 0x1f3fb) for "1f44d-1f3fb" (any case, leading zeros); None
  for a name that is not a code point sequence."""
  parts = stem.split("-")
  if not all(0 < len(p) <= 6 and set(p) <= HEX_DIGITS for p in parts):
    return None
  sequence = tuple(int(p, 16) for p in parts)
  return sequence if all(c <= 0x10FFFF for c in sequence) else None


def hex_name(sequence):
  return "-".join(f"{c:x}" for c in sequence)


def base(sequence):
  """The emoji less its skin tones and variation selectors: its label."""
  return tuple(c for c in sequence if c not in TONES and c != VS16)


def concept(sequence):
  """The base less its gender: the unit that the split keeps whole."""
  folded = []
  for c in base(sequence):
    # ZWJ + female / male sign marks a gendered form (woman running), ZWJ +
    # right arrow a mirrored one (person running facing right).
    if c in (FEMALE, MALE, RIGHTWARDS) and folded and folded[-1] == ZWJ:
      folded.pop()
    else:
      folded.extend(GENDER_FOLD.get(c, (c,)))
  return tuple(folded)
