from interact_cli.cli import main

main()
