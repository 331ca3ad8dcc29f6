"""Block Kit for `status` and `trials show` (the same rows the CLI prints)."""
from __future__ import annotations

from bot.core.status import StatusAnswer
from bot.core.trials import TrialDetail
from bot.render_text import attention_line, render_trial_detail, status_rows
from bot.slack.blocks import MAX_BLOCKS, Block, Message, context, esc, fields_section, fit, header, link, list_sections


def status_message(answer: StatusAnswer) -> Message:
    rows = status_rows(answer)
    blocks: list[Block] = [header("milestone-bot status"), fields_section(rows)]
    if answer.attention:
        blocks += list_sections("Needs attention", [esc(attention_line(s)) for s in answer.attention], 3)
    text = "; ".join(f"{label}: {value}" for label, value in rows)
    return Message(text=text, blocks=fit(blocks))


def trial_detail_message(detail: TrialDetail) -> Message:
    title, _, rest = render_trial_detail(detail.nct_id, detail.watch, detail.snapshot, detail.changes).partition("\n")
    lines = [esc(line.strip()) for line in rest.splitlines() if line.strip() and "clinicaltrials.gov" not in line]
    blocks = [header(title), *list_sections("Record and changes", lines, MAX_BLOCKS - 2),
              context(link(f"https://clinicaltrials.gov/study/{detail.nct_id}", "Open on ClinicalTrials.gov"))]
    return Message(text=title, blocks=fit(blocks))
