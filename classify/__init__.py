"""classify: topic-and-tone toolkit for Chinese tech news."""
