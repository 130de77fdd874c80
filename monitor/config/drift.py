"""``drift:`` of a monitor: the method and threshold that judge each column, the share of drifted
columns that makes dataset drift, and multivariate drift (docs/reference.md, "Drift methods").
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from monitor.config.base import Model, Name


def _installed_drift_method(name: str) -> str:
    """``auto`` or a method of the registry (built-in or plug-in); see docs/reference.md."""
    if name == "auto":
        return name
    # imported here: the registry loads the plug-ins, and monitor.stats imports this module
    from monitor.drift_methods import get_method
    from monitor.errors import ConfigError

    try:
        return get_method(name).name
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


DriftMethodName = Annotated[str, AfterValidator(_installed_drift_method)]


class ColumnDriftConfig(Model):
    method: DriftMethodName = "auto"
    threshold: float | None = Field(None, ge=0.0, allow_inf_nan=False)


class MultivariateConfig(Model):
    """Drift of all features together, as NannyML measures it (docs/reference.md, "Multivariate drift")."""

    method: Literal["pca_reconstruction", "domain_classifier"] = "pca_reconstruction"
    # pca_reconstruction: the share of variance kept (0 to 1), or a number of components
    n_components: float | int = Field(0.65, gt=0.0, allow_inf_nan=False)
    # pca_reconstruction: the bounds are the reference pieces' mean -/+ this many standard deviations
    std_multiplier: float = Field(3.0, ge=0.0, allow_inf_nan=False)
    # a fixed upper bound instead of the method's own (pca: from the reference; domain_classifier: 0.65)
    threshold: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    cv_folds: int = Field(5, ge=2, le=20)  # domain_classifier: folds of the cross-validated AUROC

    @model_validator(mode="after")
    def _method_options(self) -> MultivariateConfig:
        owners = {"n_components": "pca_reconstruction", "std_multiplier": "pca_reconstruction"}
        owners["cv_folds"] = "domain_classifier"
        for option, owner in owners.items():
            if option in self.model_fields_set and self.method != owner:
                raise ValueError(f"{option} is for method {owner}, not {self.method}")
        if isinstance(self.n_components, float) and self.n_components >= 1.0:
            raise ValueError("n_components: a share of variance is below 1; a number of components is whole")
        return self


class DriftConfig(Model):
    method: DriftMethodName = "auto"
    threshold: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    share: float = Field(0.5, ge=0.0, le=1.0)
    columns: dict[Name, ColumnDriftConfig] = Field(default_factory=dict)
    multivariate: MultivariateConfig | None = None

    def setting(self, column: str) -> tuple[str, float | None]:
        """The method and threshold that judge ``column``, wherever it is used (a feature, the
        prediction, the report): its ``columns`` entry where set, else the monitor's ``method``
        and ``threshold``; a ``None`` threshold is the method's default. An entry that only sets
        a threshold keeps the monitor's method."""
        override = self.columns.get(column)
        if override is None:
            return self.method, self.threshold
        method = override.method if "method" in override.model_fields_set else self.method
        threshold = override.threshold if override.threshold is not None else self.threshold
        return method, threshold
