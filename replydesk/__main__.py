from replydesk.cli import main

main()
