"""Reply building blocks mined from approved replies: learning from what agents wrote.

Agents edit drafts and approve replies. A sentence that agents wrote (or added by editing the draft) in several
approved replies that cite the same article, in the same language, form of address and channel, is a building
block the article is missing. The miner:

1. reads approved replies (approved, being posted, posted) with the draft they started from and the article the
   draft cites (:func:`load_replies`);
2. splits each reply into sentences and drops greetings, sign-offs, short fragments, sentences with personal
   data (the customer's names, handle, e-mail, phone, reference numbers — the pseudonymiser's detection, for
   every customer of the mined replies — and dates, which belong to one customer's case);
3. keeps the sentences an agent wrote, plus body sentences of the cited article the reply kept (a knowledge base
   without blocks learns which body sentences agents approve); the drafter's own texts (its greeting,
   acknowledgement, blocks) are not suggestions;
4. drops sentences that are near-duplicates of the article's blocks (embedding similarity), clusters the rest
   across replies (embedding similarity, greedy) and suggests clusters seen in at least N replies
   (``Settings.block_suggestion_min_support``, default 2), ranked by support.

Suggestions are stored (``kb_block_suggestions``) with status suggested / accepted / dismissed; accepting one
adds the block to its article through the versioned article service (one new version, author kept; trainers
and admins only).
"""

from knowledge_base.mining.clusters import BLOCK_DUPLICATE, CLUSTER_SIMILARITY, DEFAULT_MIN_SUPPORT, mine
from knowledge_base.mining.decisions import (
    SuggestionError,
    accept_suggestion,
    block_from,
    dismiss_suggestion,
)
from knowledge_base.mining.replies import MINED_STATES, ApprovedReply, load_replies
from knowledge_base.mining.sentences import (
    MAX_CHARS,
    MIN_WORDS,
    PersonalData,
    candidates,
    normalise,
    split_sentences,
)
from knowledge_base.mining.suggestions import (
    BlockSuggestion,
    list_suggestions,
    min_support_setting,
    suggest_blocks,
)

__all__ = [
    "BLOCK_DUPLICATE", "CLUSTER_SIMILARITY", "DEFAULT_MIN_SUPPORT", "MAX_CHARS", "MINED_STATES", "MIN_WORDS",
    "ApprovedReply", "BlockSuggestion", "PersonalData", "SuggestionError", "accept_suggestion", "block_from",
    "candidates", "dismiss_suggestion", "list_suggestions", "load_replies", "mine", "min_support_setting",
    "normalise", "split_sentences", "suggest_blocks",
]
