"""Review, approval (four eyes), posting, audit and feedback: the services behind the review screen."""
