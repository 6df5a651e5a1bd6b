"""Issue 18, section 6: KAZ observations shared as national totals reach the hub as totals only.

The KAZ node's focal point uploads a file through KAZ's own API with influenza by region and
by region and sex (two breakdowns of one week) and cholera with the state's own total beside a
region. KAZ shares national totals (the default); after one round the hub holds one replica
submission marked with KAZ's node and, per disease, the one national total (12, 3): no region,
no sex, nothing counted twice.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from epibridge.db import read_session
from epibridge.epidata.models import Observation, Series, Submission
from tests.federation.nodes import Federation

pytestmark = pytest.mark.xdist_group("federation-nodes")

HEADER = "state,area,disease,metric,classification,age_group,sex,period_start,period_end,value"
WEEK = "2026-11-02,2026-11-08"
ROWS = [
    f"KAZ,KZ-10,J11,cases,confirmed,,,{WEEK},5",
    f"KAZ,KZ-11,J11,cases,confirmed,,,{WEEK},7",
    f"KAZ,KZ-10,J11,cases,confirmed,,female,{WEEK},2",
    f"KAZ,KZ-10,J11,cases,confirmed,,male,{WEEK},3",
    f"KAZ,,A00,cases,confirmed,,,{WEEK},3",
    f"KAZ,KZ-10,A00,cases,confirmed,,,{WEEK},1",
]


def test_kaz_observations_shared_as_national_totals_reach_the_hub_as_totals_only(
    sqlite_nodes: Federation,
) -> None:
    hub, kaz, _chn = sqlite_nodes
    fp_kaz = kaz.token("fp-kaz-data", "focal_point", "KAZ")
    content = ("\n".join([HEADER, *ROWS]) + "\n").encode()
    uploaded = httpx.post(
        kaz.url + "/api/v1/data/submissions",
        headers=fp_kaz,
        files={"file": ("synthetic-obs.csv", content, "text/csv")},
        data={"state": "KAZ"},
    )
    assert uploaded.status_code == 201, uploaded.text
    kaz.sync()
    with read_session(hub.sessions) as session:
        rows = session.execute(
            select(Series.disease, Series.area, Series.age_group, Series.sex, Observation.value)
            .join(Observation, Observation.series_id == Series.id)
            .where(Series.state_iso3 == "KAZ", Observation.superseded_at.is_(None))
        ).all()
        replicas = list(session.execute(select(Submission)).scalars())
    assert sorted(rows) == [("A00", "", "", "", 3), ("J11", "", "", "", 12)]
    assert [r.origin_node for r in replicas] == ["kaz"]
    # A second round sends nothing again and stores nothing twice.
    kaz.sync()
    with read_session(hub.sessions) as session:
        assert len(list(session.execute(select(Submission)).scalars())) == 1
