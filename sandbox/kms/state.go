package kms

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kmslab/kmslab/sandbox/store"
)

// bucketRoot is the store bucket for all KMS state: kms/<region>/{keys,aliases}.
const bucketRoot = "kms"

type region struct {
	keys    map[string]*key         // by key id
	aliases map[string]*aliasRecord // by alias name; records are never changed in place
}

func keysPath(r string) []string    { return []string{bucketRoot, r, "keys"} }
func aliasesPath(r string) []string { return []string{bucketRoot, r, "aliases"} }

// load reads every region into memory.
func (s *Service) load() error {
	return s.st.View(func(tx *store.Tx) error {
		root := store.Bucket(tx, bucketRoot)
		if root == nil {
			return nil
		}
		var names []string
		if err := root.ForEach(func(k, v []byte) error {
			if v == nil {
				names = append(names, string(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, name := range names {
			rg := s.regionFor(name)
			if err := store.ForEachJSON(tx, keysPath(name), func(id string, raw []byte) error {
				var rec keyRecord
				if err := json.Unmarshal(raw, &rec); err != nil {
					return fmt.Errorf("kms: corrupt key record %s/%s: %w", name, id, err)
				}
				k, err := newKey(rec)
				if err != nil {
					return fmt.Errorf("kms: bad key material %s/%s: %w", name, id, err)
				}
				rg.keys[rec.ID] = k
				return nil
			}); err != nil {
				return err
			}
			if err := store.ForEachJSON(tx, aliasesPath(name), func(n string, raw []byte) error {
				var a aliasRecord
				if err := json.Unmarshal(raw, &a); err != nil {
					return fmt.Errorf("kms: corrupt alias record %s/%s: %w", name, n, err)
				}
				rg.aliases[a.Name] = &a
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// regionFor returns the region's maps, creating them; caller holds mu for writing
// (or is load, before the service is shared).
func (s *Service) regionFor(name string) *region {
	rg := s.regions[name]
	if rg == nil {
		rg = &region{keys: map[string]*key{}, aliases: map[string]*aliasRecord{}}
		s.regions[name] = rg
	}
	return rg
}

// getKey returns the live key with this id, or nil when absent or past its deletion date.
func (s *Service) getKey(regionName, id string, now time.Time) *key {
	s.mu.RLock()
	var k *key
	if rg := s.regions[regionName]; rg != nil {
		k = rg.keys[id]
	}
	s.mu.RUnlock()
	if k == nil || k.expired(now) {
		return nil
	}
	return k
}

// getAlias returns the alias and its live key, or nils when either is gone.
func (s *Service) getAlias(regionName, name string, now time.Time) (*aliasRecord, *key) {
	s.mu.RLock()
	var a *aliasRecord
	var k *key
	if rg := s.regions[regionName]; rg != nil {
		if a = rg.aliases[name]; a != nil {
			k = rg.keys[a.Target]
		}
	}
	s.mu.RUnlock()
	if a == nil || k == nil || k.expired(now) {
		return nil, nil
	}
	return a, k
}

// liveKeys lists the region's live keys sorted by id.
func (s *Service) liveKeys(regionName string, now time.Time) []*key {
	s.mu.RLock()
	var out []*key
	if rg := s.regions[regionName]; rg != nil {
		for _, k := range rg.keys {
			if !k.expired(now) {
				out = append(out, k)
			}
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *key) int { return strings.Compare(a.rec.ID, b.rec.ID) })
	return out
}

// liveAliases lists aliases whose key is live, sorted by name.
func (s *Service) liveAliases(regionName string, now time.Time) []*aliasRecord {
	s.mu.RLock()
	var out []*aliasRecord
	if rg := s.regions[regionName]; rg != nil {
		for _, a := range rg.aliases {
			if k := rg.keys[a.Target]; k != nil && !k.expired(now) {
				out = append(out, a)
			}
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *aliasRecord) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// change is one batch of writes to a region, made durable together.
type change struct {
	putKeys    []*key
	delKeys    []string
	putAliases []*aliasRecord
	delAliases []string
}

func (c *change) empty() bool {
	return len(c.putKeys)+len(c.delKeys)+len(c.putAliases)+len(c.delAliases) == 0
}

// commit writes the change to the store and, once it is on disk, publishes it in memory.
// Callers hold wmu, so the state they read cannot change under them.
func (s *Service) commit(regionName string, c change) error {
	if c.empty() {
		return nil
	}
	err := s.st.Update(func(tx *store.Tx) error {
		for _, k := range c.putKeys {
			if err := store.PutJSON(tx, keysPath(regionName), k.rec.ID, k.rec); err != nil {
				return err
			}
		}
		for _, id := range c.delKeys {
			if err := store.Delete(tx, keysPath(regionName), id); err != nil {
				return err
			}
		}
		for _, a := range c.putAliases {
			if err := store.PutJSON(tx, aliasesPath(regionName), a.Name, a); err != nil {
				return err
			}
		}
		for _, n := range c.delAliases {
			if err := store.Delete(tx, aliasesPath(regionName), n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return errInternal()
	}
	s.mu.Lock()
	rg := s.regionFor(regionName)
	for _, k := range c.putKeys {
		rg.keys[k.rec.ID] = k
	}
	for _, id := range c.delKeys {
		delete(rg.keys, id)
	}
	for _, a := range c.putAliases {
		rg.aliases[a.Name] = a
	}
	for _, n := range c.delAliases {
		delete(rg.aliases, n)
	}
	s.mu.Unlock()
	return nil
}

// purgeExpired deletes keys whose deletion date has passed, with their aliases.
// It runs lazily before each write; reads already treat such keys as gone.
func (s *Service) purgeExpired(regionName string, now time.Time) error {
	var c change
	s.mu.RLock()
	if rg := s.regions[regionName]; rg != nil {
		for id, k := range rg.keys {
			if k.expired(now) {
				c.delKeys = append(c.delKeys, id)
			}
		}
		for n, a := range rg.aliases {
			if k := rg.keys[a.Target]; k == nil || k.expired(now) {
				c.delAliases = append(c.delAliases, n)
			}
		}
	}
	s.mu.RUnlock()
	return s.commit(regionName, c)
}
