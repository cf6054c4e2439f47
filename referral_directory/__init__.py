"""The referral directory: places, services and what is kept about referrals."""
