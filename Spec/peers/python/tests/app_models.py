# SPDX-License-Identifier: Apache-2.0
"""The model of the Celery use case, sent by the pydantic and the Celery tests (each registers it
as ``app.CustomVariable`` in a registry of its own)."""

from enum import Enum

from pydantic import BaseModel, confloat


class VariableType(str, Enum):
    mean = "mean"
    variance = "variance"
    standard_error_of_mean = "standard_error_of_mean"
    quantile = "quantile"


class CustomVariable(BaseModel):
    type: VariableType
    quantile: confloat(ge=0, le=1) | None = None
