"""Services outside the IV hierarchy: SC/IM injections, SC infusion, intra-arterial services,
the prolonged chemotherapy pump and the on-body injector (DOMAIN.md "The codes"; CPT as CMS
ch. 12 s. 30.5 quotes it). :class:`StandaloneCoder` codes them and holds what every coder
shares: the lines emitted so far and the notes; the IV access's coder
(:mod:`scrubber.coding.engine`) builds on it.
"""

from __future__ import annotations

from scrubber.codes import CATALOGUE, only
from scrubber.coding.model import CodedLine, Options, started_on
from scrubber.coding.services import Service
from scrubber.coding.timing import addon_hours

_SC_INITIAL = only(role="initial", method="sc infusion")  # 96369
_SC_SET_UP = only(kind="pump set-up")  # 96371
_IA_INITIAL = only(role="initial", method="intra-arterial")  # 96422
_IA_INJECTION = only(kind="injection", method="intra-arterial", family="therapeutic")  # 96373
_IA_CHEMO_PUSH = only(kind="injection", method="intra-arterial", family="chemotherapy")  # 96420
_ON_BODY = only(kind="on-body injector")  # 96377
_PUMP = only(kind="prolonged pump", method="iv infusion")  # 96416
_IA_PUMP = only(kind="prolonged pump", method="intra-arterial")  # 96425
#: (kind, hormonal) -> the SC/IM injection code: 96372; chemotherapy 96401, hormonal 96402.
_INJECTION = {(c.family, c.kind == "hormonal injection"): c.code for c in CATALOGUE.values()
              if c.method == "sc/im injection" and c.kind in ("injection", "hormonal injection")}


class StandaloneCoder:
    """Emits lines with their reasons and codes the services outside the IV hierarchy."""

    def __init__(self, options: Options, notes: list[str]) -> None:
        self.options = options
        self.notes = notes
        self.lines: list[CodedLine] = []
        self.sc_initial_done = False
        self.sc_extra_done = False

    def _emit(self, code: str, units: int, service: Service, reason: str,
              modifiers: tuple[str, ...] = ()) -> None:
        if units > 0:
            self.lines.append(CodedLine(code, units, modifiers, service.rows, reason,
                                        started_on(service.admins)))

    def _why(self, service: Service) -> str:
        return f"{service.describe()}{f' ({service.note})' if service.note else ''}"

    def _code_standalone(self, service: Service) -> None:
        why = self._why(service)
        family, chemo = service.family, service.kind == "chemotherapy"
        if family == "injection":
            code = _INJECTION.get((service.kind, service.first.hormonal and chemo),
                                  _INJECTION[("therapeutic", False)])
            route = service.first.route.upper()
            self._emit(code, 1, service, f"{why}: {route} injection: {code} (per injection, "
                                         f"outside the IV hierarchy)")
        elif family == "onbody":
            self._emit(_ON_BODY, 1, service, f"{why}: on-body injector application: {_ON_BODY}")
        elif family == "pump":
            self._emit(_PUMP, 1, service, f"{why}: prolonged chemotherapy infusion started "
                                          f"with a portable or implantable pump: {_PUMP}")
        elif family == "ia_pump":
            self._emit(_IA_PUMP, 1, service, f"{why}: prolonged intra-arterial chemotherapy "
                                             f"with a pump: {_IA_PUMP}")
        elif family == "ia_push":
            code = _IA_CHEMO_PUSH if chemo else _IA_INJECTION
            what = "chemotherapy intra-arterial push" if chemo else "intra-arterial injection"
            self._emit(code, 1, service, f"{why}: {what}: {code}")
        elif family == "ia_inf" and chemo:
            self._code_timed(service, _IA_INITIAL, CATALOGUE[_IA_INITIAL].hourly_addon,
                             "intra-arterial infusion")
        elif family == "ia_inf":
            self._code_timed(service, _IA_INJECTION, None, "intra-arterial infusion")
        elif family == "sc_inf":
            self._code_sc_infusion(service)

    def _code_timed(self, service: Service, code: str, addon: str | None, what: str) -> None:
        minutes = service.minutes or 0
        hours = addon_hours(minutes) if addon else 0
        text = f"{self._why(service)}: {what}: {code}"
        if hours:
            text += f", {addon} x{hours} for the {int(round(minutes - 60))} min past the first hour"
        self._emit(code, 1, service, text)
        if addon:
            self._emit(addon, hours, service, text)

    def _code_sc_infusion(self, service: Service) -> None:
        if not self.sc_initial_done:
            self.sc_initial_done = True
            self._code_timed(service, _SC_INITIAL, CATALOGUE[_SC_INITIAL].hourly_addon,
                             "subcutaneous infusion, initial (pump set-up and sites included)")
        elif not self.sc_extra_done:
            self.sc_extra_done = True
            self._emit(_SC_SET_UP, 1, service, f"{self._why(service)}: additional pump set-up "
                                               f"with a new subcutaneous site: {_SC_SET_UP} "
                                               f"(once per encounter)")
        else:
            self.notes.append(f"{self._why(service)}: {_SC_INITIAL} and {_SC_SET_UP} are "
                              f"reported once per encounter")
