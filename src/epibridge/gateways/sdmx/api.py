"""SDMX REST routes: the structures (SDMX-ML 2.1) and the data (SDMX-CSV 2.0 or SDMX-ML 2.1
structure-specific), read through the epidemic database's services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from epibridge.api.deps import CurrentPrincipal, ReadSession
from epibridge.db import utcnow
from epibridge.gateways.sdmx import model, output, query
from epibridge.gateways.sdmx.messages import CSV_MEDIA, STRUCTURE_MEDIA, XML_MEDIA
from epibridge.gateways.sdmx.references import REFERENCES, RESOURCES
from epibridge.security import Principal

router = APIRouter(prefix="/api/sdmx", tags=["SDMX"])

DataFormat = Literal["sdmx-csv", "structurespecific"]
Agency = Annotated[str, Path(description="The agency: the organization's code, or all.")]
Ident = Annotated[str, Path(description="The structure's id, or all.")]
Version = Annotated[str, Path(description="1.0, latest or all.")]
References = Annotated[str, Query(description=f"Structures to add: {', '.join(REFERENCES)}.")]
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A key, period or parameter that cannot be read (names it)."},
    401: {"description": "Not signed in."},
    403: {"description": "Not allowed to read the member states' data."},
    404: {"description": "No such structure, or no results (SDMX REST's 404)."},
}


def _structure_route(resource: str) -> None:
    def read(session: Session, principal: Principal, references: str, **ids: str) -> Response:
        body = output.structure(
            session,
            principal=principal,
            resource=resource,
            references=references,
            prepared=utcnow(),
            **ids,
        )
        return Response(body, media_type=STRUCTURE_MEDIA)

    def read_structure(
        session: ReadSession,
        principal: CurrentPrincipal,
        agency: Agency,
        resource_id: Ident,
        version: Version,
        references: References = "none",
    ) -> Response:
        return read(
            session, principal, references, agency=agency, resource_id=resource_id, version=version
        )

    def read_shorter(
        request: Request,
        session: ReadSession,
        principal: CurrentPrincipal,
        references: References = "none",
    ) -> Response:
        """The same query with the trailing ids left out (``all``, ``latest``)."""
        return read(session, principal, references, **request.path_params)

    read_structure.__doc__ = f"The {resource} structures as an SDMX-ML 2.1 structure message."
    responses = {200: {"content": {STRUCTURE_MEDIA: {}}}, **_PROBLEMS}
    paths = ("", "/{agency}", "/{agency}/{resource_id}", "/{agency}/{resource_id}/{version}")
    for depth, path in enumerate(paths):
        full = depth == len(paths) - 1
        router.add_api_route(
            f"/{resource}{path}",
            read_structure if full else read_shorter,
            methods=["GET"],
            name=f"sdmx_{resource}_{depth}",
            response_class=Response,
            responses=responses,
            include_in_schema=full,
        )


for _resource in RESOURCES:
    _structure_route(_resource)


@router.get(
    "/data/{flow_ref}/{key}",
    response_class=Response,
    responses={
        200: {"content": {CSV_MEDIA: {}, XML_MEDIA: {}}},
        **_PROBLEMS,
        406: {"description": "No format of the Accept header is offered."},
    },
)
def get_data(
    request: Request,
    session: ReadSession,
    principal: CurrentPrincipal,
    flow_ref: Annotated[str, Path(description="EPI_OBS, AGENCY,EPI_OBS or AGENCY,EPI_OBS,1.0.")],
    key: Annotated[
        str,
        Path(
            description="FREQ.REF_AREA.AREA.DISEASE.METRIC.CLASSIFICATION.AGE.SEX; "
            "empty position: any; + joins codes; all: every series."
        ),
    ],
    start_period: Annotated[
        str | None, Query(alias="startPeriod", description="2024, 2024-Q1, 2024-01, 2024-W05 …")
    ] = None,
    end_period: Annotated[
        str | None, Query(alias="endPeriod", description="The last period, as startPeriod.")
    ] = None,
    data_format: Annotated[
        DataFormat | None,
        Query(alias="format", description="sdmx-csv or structurespecific (else: Accept)."),
    ] = None,
) -> Response:
    """Series of the epidemic database in SDMX-CSV 2.0 or SDMX-ML 2.1 structure-specific."""
    chosen = output.negotiate(data_format, request.headers.get("accept"))
    agency = model.agency(session)
    query.check_flow(flow_ref, agency)
    found = query.read(
        session, principal=principal, key=key, start_period=start_period, end_period=end_period
    )
    body, media = output.data(agency, found, chosen, prepared=utcnow())
    extension = "csv" if chosen == "sdmx-csv" else "xml"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{model.FLOW}.{extension}"'},
    )


@router.get("/data/{flow_ref}", response_class=Response, include_in_schema=False)
def get_all_data(
    request: Request,
    session: ReadSession,
    principal: CurrentPrincipal,
    flow_ref: str,
    start_period: Annotated[str | None, Query(alias="startPeriod")] = None,
    end_period: Annotated[str | None, Query(alias="endPeriod")] = None,
    data_format: Annotated[DataFormat | None, Query(alias="format")] = None,
) -> Response:
    """Every series of the dataflow (the key ``all``)."""
    return get_data(
        request, session, principal, flow_ref, "all", start_period, end_period, data_format
    )
