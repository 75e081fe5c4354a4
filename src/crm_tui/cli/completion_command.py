"""`crm completion SHELL`: print the shell's tab-completion script (click's own)."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the tab-completion script for SHELL: commands, options and their choices.

    \b
    Examples:
      eval "$(crm completion bash)"        # add to ~/.bashrc
      eval "$(crm completion zsh)"         # add to ~/.zshrc
      crm completion fish > ~/.config/fish/completions/crm.fish
    """
    root = ctx.find_root()
    completion_class = get_completion_class(shell)
    if completion_class is None:  # click knows all three; kept for a future click
        raise click.UsageError(f"Click has no completion for {shell}.")
    script = completion_class(root.command, {}, root.info_name or "crm", "_CRM_COMPLETE").source()
    click.echo(script)
