"""Mean-field (self-consistent) solutions of Eqs. (2)-(3): Secs. III-IV and App. C.

- `linear`: Eqs. (6)-(8), linear response of the dimer (cgs susceptibilities, d/a).
- `saturating`: the tanh dimer, Eqs. (3) + (9), its phases (Figs. 3-4; chi / chi_c^z).
- `solve`: every stationary configuration of any `mcdimer.Assembly` (reduced units of App. B).
- `chain`: the chain's critical susceptibility, Eq. (C1), Fig. 9.
- `critical`: Eq. (C1) for any assembly: the K/C where mu = 0 loses stability, its mode.
- `assemblies`: that instability over disorder realisations and size dispersions.
- `finite_t`: finite-temperature mean field with exact single-particle thermal means.
- `figures`: xarray data for Figs. 3, 4, 9.
"""

from .assemblies import critical_ratio_data
from .chain import CHAIN_ASYMPTOTE, chain_critical_ratio, chain_lambda_max
from .critical import critical_coupling, critical_mode, critical_modes, critical_ratio
from .figures import fig3_data, fig4_data, fig9_data
from .finite_t import finite_t_onset, finite_t_order_parameter, finite_t_solve
from .linear import (
    critical_susceptibility,
    linear_susceptibility,
    linear_susceptibility_first_order,
    reduced_longitudinal_susceptibility,
)
from .saturating import PHASES, DimerState, eq10_moment, phase, saturating_dimer
from .solve import Stationary, solve

__all__ = [
    "CHAIN_ASYMPTOTE",
    "PHASES",
    "DimerState",
    "Stationary",
    "chain_critical_ratio",
    "chain_lambda_max",
    "critical_coupling",
    "critical_mode",
    "critical_modes",
    "critical_ratio",
    "critical_ratio_data",
    "critical_susceptibility",
    "eq10_moment",
    "fig3_data",
    "fig4_data",
    "fig9_data",
    "finite_t_onset",
    "finite_t_order_parameter",
    "finite_t_solve",
    "linear_susceptibility",
    "linear_susceptibility_first_order",
    "phase",
    "reduced_longitudinal_susceptibility",
    "saturating_dimer",
    "solve",
]
