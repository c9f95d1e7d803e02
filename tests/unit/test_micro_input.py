"""Bad input to mcdimer.micro raises ValueError naming the parameter; the CLI exits 2."""

import pytest
from click.testing import CliRunner

from mcdimer import micro
from mcdimer.cli import main

Z = 42.9669456985971


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: micro.zfs(0.0, 1e-3), "kfa"),
        (lambda: micro.zfs(-3.0, 1e-3), "kfa"),
        (lambda: micro.zfs(501.0, 1e-3), "500"),
        (lambda: micro.moment(600.0, 1e-3, 0.0), "500"),
        (lambda: micro.zfs(Z, 0.0), "t"),
        (lambda: micro.moment(Z, -1e-3, 1e-4), "t"),
        (lambda: micro.moment(Z, 1e-3, 0.5), "x"),
        (lambda: micro.fig7_data(x_max=-1e-3), "x"),
        (lambda: micro.dimer_moment(Z, 1e-7, d_over_a=1.5), "d_over_a"),
        (lambda: micro.chain_moment(3, Z, 1e-7, d_over_a=1.9), "d_over_a"),
        (lambda: micro.chain_moment(0, Z, 1e-7), "n"),
        (lambda: micro.Microscopic(Z, 1e-6, chi_l=-1.0), "chi_l"),
        (lambda: micro.Microscopic(0.0, 1e-6), "kfa"),
        (lambda: micro.bessel_zero(0, 3), "n"),
        # bounds the spectrum code handles in seconds (each used to hang, or fail deep)
        (lambda: micro.spectrum.shell_kfa((1000, 1)), r"shell \(1000, 1\).*n <= 159"),
        (lambda: micro.spectrum.shell_kfa((1, 1000)), r"shell \(1, 1000\).*l <= 499"),
        (lambda: micro.bessel_zero(10**6, 0), "n and l"),
        (lambda: micro.zfs(1e-300, 1e-3), "kfa must be in \\[pi, 500\\]"),
        (lambda: micro.Microscopic(1e-300, 1e-3), "kfa must be >= 3.14"),
        (lambda: micro.Microscopic(Z, 1e-300), "t must be >= 1e-12"),
        (lambda: micro.zfs(Z, 1e-300), "t must be in \\[1e-12, 0.1\\]"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_cli_micro_commands():
    runner = CliRunner()
    res = runner.invoke(main, ["micro", "zfs", "--kfa", "42.4", "--t", "5e-3", "--json"])
    assert res.exit_code == 0 and '"chi_over_chi_l"' in res.output
    res = runner.invoke(main, ["micro", "moment", "--kfa", "42.97", "--t", "5e-3", "--x", "1e-3"])
    assert res.exit_code == 0
    res = runner.invoke(main, ["micro", "dimer", "--kfa", str(Z), "--t", "1e-7"])
    assert res.exit_code == 0 and "m_z" in res.output
    res = runner.invoke(main, ["micro", "zfs", "--kfa", "900", "--t", "5e-3"])
    assert res.exit_code == 2 and "kfa" in res.output


def test_shell_names_the_zero_and_a_nearby_kfa_off_its_peak_warns():
    """kFa = 42.97 (the paper's two decimals) is off zeta_{1,36}'s Curie peak at t = 5e-5
    (half-width ~ kFa t = 0.002): a warning there, none at t = 5e-3 (peak 0.2 wide); --shell,
    shell=, and a spec's `shell = [1, 36]` all give kFa = zeta_{1,36} itself."""
    import warnings

    from mcdimer import runs

    assert micro.spectrum.shell_kfa("1,36") == micro.bessel_zero(1, 36) == pytest.approx(Z)
    with pytest.warns(UserWarning, match=r"zeta_\{1,36\} = 42.9669457 but outside its Curie peak"):
        micro.Microscopic(42.97, 5e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert micro.Microscopic(shell=(1, 36), t=5e-5).kfa == micro.bessel_zero(1, 36)
        micro.Microscopic(42.97, 5e-3)
    on = CliRunner().invoke(main, ["micro", "zfs", "--shell", "1,36", "--t", "5e-5"])
    off = CliRunner().invoke(main, ["micro", "zfs", "--kfa", "42.97", "--t", "5e-5"])
    assert on.exit_code == off.exit_code == 0
    assert "warning" not in on.output and "mcdimer: warning: kfa = 42.97" in off.output
    assert float(on.output.split()[1]) == pytest.approx(Z, abs=1e-7)
    spec = runs.parse(
        'kind = "micro"\n[[calls]]\nname = "f10"\nfunction = "fig10_data"\n'
        "params = {shell = [1, 36], n = [2, 3], t = [1e-7]}\n"
    )
    assert runs.spec.call_params(spec.calls[0])["kfa"] == micro.bessel_zero(1, 36)
    with pytest.raises(runs.SpecError, match=r"calls\[f10\].params.shell: give kfa or shell"):
        runs.parse(
            'kind = "micro"\n[[calls]]\nname = "f10"\nfunction = "fig10_data"\n'
            "params = {shell = [1, 36], kfa = 42.0}\n"
        )


def test_cli_refuses_a_shell_beyond_the_largest_radius_at_once():
    """`micro zfs --shell 1,2000` ran for over a minute building zeros up to 2000."""
    res = CliRunner().invoke(main, ["micro", "zfs", "--shell", "1,2000", "--t", "5e-3"])
    assert res.exit_code == 2 and "l <= 499" in res.output
