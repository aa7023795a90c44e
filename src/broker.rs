//! The token broker (issue 14): one upstream token per managed credential.
