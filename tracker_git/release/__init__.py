"""`git tracker release`: which issues a range of commits ships (`span`), the release notes
(`notes`), and the queue's version set in each issue's fix versions (`mark`)."""
