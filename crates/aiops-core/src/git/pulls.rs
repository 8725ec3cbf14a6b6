//! Pull requests (GitHub) and merge requests (GitLab) of a project's repository.
