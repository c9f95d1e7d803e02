"""Microscopic orbital magnetism of gold-like spheres (Sec. V, App. A; docs/physics.md,
"Microscopic model").

- `spectrum`: zeros zeta_nl of j_l, <rho^2>_nl, first-order level shifts;
- `response`: `moment(kfa, t, x)` (M/mu_B, Fig. 7), `zfs(kfa, t)` (chi/|chi_L|, Figs. 5a, 6);
- `selfconsistent`: `dimer_moment` (Fig. 5b), `chain_moment` (Fig. 10);
- `landscape`: `Microscopic`, beta F(M) by Legendre transform of M(H);
- `figdata`: the Datasets behind Figs. 5(a), 5(b), 6, 7, 10.
"""

from .figdata import fig5a_data, fig5b_data, fig6_data, fig7_data, fig10_data, paper_kfas
from .landscape import Microscopic
from .response import curie_constant, moment, moment_per_field, zfs
from .selfconsistent import chain_moment, chain_profile, crossing_temperature, dimer_moment
from .spectrum import bessel_zero, level_energies, rho2, rho2_quadrature, sin2, zero_table
from .units import CHI_L_GOLD, EF_GOLD, KF_GOLD, TF_GOLD, chi_critical

__all__ = [
    "CHI_L_GOLD",
    "EF_GOLD",
    "KF_GOLD",
    "Microscopic",
    "TF_GOLD",
    "bessel_zero",
    "chain_moment",
    "chain_profile",
    "chi_critical",
    "crossing_temperature",
    "curie_constant",
    "dimer_moment",
    "fig10_data",
    "fig5a_data",
    "fig5b_data",
    "fig6_data",
    "fig7_data",
    "level_energies",
    "moment",
    "moment_per_field",
    "paper_kfas",
    "rho2",
    "rho2_quadrature",
    "sin2",
    "zero_table",
    "zfs",
]
