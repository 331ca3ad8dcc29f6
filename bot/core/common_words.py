"""Words too common to be a programme alias on their own: matched only with the sponsor named nearby."""
from __future__ import annotations

COMMON_WORDS = frozenset("""
a about above across act action active after again against age agent aid aim all also among an and any apply
approval approved area arm as at award base based be best beyond big blue bold bright build by call can cancer
care case cell center change child clear clinical close code come company control core cure data day deal design
develop direct do down drug each early ease edge effect end energy enter even event every expand fast field
final first flow focus for form forward free from front full fund gain gene general give global go good grace
great green grow growth guide health heart help high hold home hope human idea impact in into it just key kind
late launch lead life light line link live long low main make mark may mean medicine meet mind more most move
name new next no north not now of off on one open option or order other our out over pace path people phase
pilot place plan plus point power prime pro program progress pure quest rare reach ready real relief report rise
river safe science see sense set share shield sign simple smart so solo spark start state step stop strong study
summit support sure target team test than that the therapy this three time to today top total trial true trust
two under unity up value via vision vital wave way well when where white will win with work world year yes you
""".split())
